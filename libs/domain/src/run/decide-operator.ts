import type { RunCommand } from './run-commands.js';
import type { RunState } from './run-state.js';
import { finishedCategory } from './run-graph.js';
import { planClear } from './clear-plan.js';
import { clear } from './decide-clear.js';
import { refuse, type DecideStep, type StepOutcome } from './decide-step.js';

type Command<T extends RunCommand['type']> = Extract<RunCommand, { type: T }>;

/** ClearTaskInstances: resets the selected instances (a refusal names what the selection got wrong). */
export function clearTaskInstances(
  state: RunState,
  command: Command<'ClearTaskInstances'>,
  step: DecideStep,
): StepOutcome {
  const plan = planClear(state, command);
  if (!('instances' in plan)) return refuse(plan.code, plan.message);
  step.affected = plan.instances.map((rec) => rec.taskId);
  clear(state, command, plan, step.emit, step.ctx);
  return 'cascade';
}

/** MarkTaskInstance: sets an instance's state by hand (reopening a finished run), as Airflow's mark. */
export function markTaskInstance(
  state: RunState,
  command: Command<'MarkTaskInstance'>,
  step: DecideStep,
): StepOutcome {
  const { emit, ctx } = step;
  const rec = state.tasks.get(command.taskId);
  if (!rec) return refuse('unknown_task', `run ${state.run.id} has no task instance ${command.taskId}`);
  if (rec.state === command.state) return 'done';
  step.affected = [rec.taskId];
  if (state.run.status !== 'running')
    emit({
      type: 'RunReopened',
      actor: command.actor,
      reason: `mark ${command.taskId} ${command.state}`,
      at: ctx.now,
    });
  emit({
    type: 'TaskInstanceMarked',
    taskId: rec.taskId,
    state: command.state,
    actor: command.actor,
    reason: command.reason ?? '',
    at: ctx.now,
  });
  return 'cascade';
}

/** CancelRun: every unfinished instance is cancelled, then the run. */
export function cancelRun(state: RunState, command: Command<'CancelRun'>, step: DecideStep): StepOutcome {
  const { emit, ctx } = step;
  if (state.run.status !== 'running')
    return refuse('run_finished', `run ${state.run.id} is already ${state.run.status}`);
  step.affected = [];
  for (const rec of state.tasks.values()) {
    if (finishedCategory(rec.state) === null) {
      step.affected.push(rec.taskId);
      emit({
        type: 'TaskInstanceCancelled',
        taskId: rec.taskId,
        reason: 'run cancelled',
        actor: command.actor,
        at: ctx.now,
      });
    }
  }
  emit({ type: 'RunCancelled', actor: command.actor, reason: command.reason, at: ctx.now });
  state.dirtySlots.clear();
  state.dirtyGroups.clear();
  return 'done';
}
