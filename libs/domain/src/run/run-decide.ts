import type { DecideContext, Rejection, RunCommand } from './run-commands.js';
import type { RunEvent } from './run-events.js';
import type { RunState } from './run-state.js';
import type { AttemptPayload } from './attempt-payload.js';
import { evolve } from './run-evolve.js';
import { cascade } from './cascade.js';
import { recordConsolidation } from './consolidation-readiness.js';
import { requeueLostDispatch, tick } from './decide-timers.js';
import { refuse, type DecideStep, type StepOutcome } from './decide-step.js';
import { startRun } from './decide-start-run.js';
import { dispatchTasks, recordAttemptLost, recordTaskResult, recordTaskStarted } from './decide-attempts.js';
import { cancelRun, clearTaskInstances, markTaskInstance } from './decide-operator.js';

export interface Decision {
  events: RunEvent[];
  rejection: Rejection | null;
  /** The rendered payload of every attempt queued (DispatchTasks) or re-queued (RequeueLostDispatches) by this decision. */
  dispatches: AttemptPayload[];
  /** Operator commands: the task instances they reset, marked or cancelled (named in the reply). */
  affected?: string[];
}

/**
 * Decides what a command means for a run and returns the events. The state is advanced by exactly
 * those events as decide goes (a cascade needs the state after each step): folding the returned
 * events with `evolve` from the same starting state reproduces it. A refused command returns no
 * events and a typed rejection; decide never throws for bad input.
 */
export function decide(state: RunState, command: RunCommand, ctx: DecideContext): Decision {
  const decision: Decision = { events: [], rejection: null, dispatches: [] };
  const step: DecideStep = {
    emit: (event) => {
      decision.events.push(event);
      evolve(state, event);
    },
    ctx,
    dispatches: decision.dispatches,
  };
  const outcome = decideCommand(state, command, step);
  if (typeof outcome === 'object') return { events: [], rejection: outcome, dispatches: [] };
  if (step.affected) decision.affected = step.affected;
  if (outcome === 'cascade') cascade(state, step.emit, ctx);
  return decision;
}

/** One decider per command; every command but StartRun needs a started run and names it. */
function decideCommand(state: RunState, command: RunCommand, step: DecideStep): StepOutcome {
  if (command.type === 'StartRun') return startRun(state, command, step);
  if (state.run.status === 'new' || state.run.status === 'rejected')
    return refuse('run_not_started', `run ${command.runId} has not started`);
  if (command.runId !== state.run.id)
    return refuse('wrong_run', `command for run ${command.runId} sent to run ${state.run.id}`);
  switch (command.type) {
    case 'DispatchTasks':
      return dispatchTasks(state, command, step);
    case 'RecordTaskStarted':
      return recordTaskStarted(state, command, step);
    case 'RecordTaskResult':
      return recordTaskResult(state, command, step);
    case 'RecordAttemptLost':
      return recordAttemptLost(state, command, step);
    case 'Tick':
      tick(state, step.emit, step.ctx);
      return 'cascade';
    case 'RequeueLostDispatches':
      for (const taskId of command.taskIds)
        requeueLostDispatch(state, taskId, step.emit, step.ctx, step.dispatches);
      return 'cascade';
    case 'RecordConsolidationResult': {
      const refused = recordConsolidation(state, command, step.emit);
      return refused ? refuse(refused.code, refused.message) : 'cascade';
    }
    case 'ClearTaskInstances':
      return clearTaskInstances(state, command, step);
    case 'MarkTaskInstance':
      return markTaskInstance(state, command, step);
    case 'CancelRun':
      return cancelRun(state, command, step);
    default: {
      const never: never = command;
      return refuse('invalid_state', `unknown command ${(never as { type: string }).type}`);
    }
  }
}

export { overdueQueued, nextWakeAt } from './decide-timers.js';
export { consolidationVerdict } from './consolidation-readiness.js';
