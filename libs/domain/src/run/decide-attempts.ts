import type { PlanTaskNode } from '../spec/compiled-plan.js';
import type { Rejection, RunCommand } from './run-commands.js';
import type { RunState, TaskRecord } from './run-state.js';
import { renderAttempt } from './attempt-payload.js';
import { failAttempt, recordResult } from './attempt-outcome.js';
import { refuse, type DecideStep, type StepOutcome } from './decide-step.js';

type Command<T extends RunCommand['type']> = Extract<RunCommand, { type: T }>;

const isTask = (value: TaskRecord | Rejection): value is TaskRecord => 'taskId' in value;

/** The instance a started notice or a result is about, or why it is not its current attempt. */
function currentAttempt(
  state: RunState,
  command: { taskId: string; attempt: number },
): TaskRecord | Rejection {
  const rec = state.tasks.get(command.taskId);
  if (!rec) return refuse('unknown_task', `run ${state.run.id} has no task instance ${command.taskId}`);
  if (command.attempt !== rec.attempt)
    return refuse(
      'stale_attempt',
      `attempt ${command.attempt} of ${command.taskId} is not current (current: ${rec.attempt})`,
    );
  return rec;
}

/** DispatchTasks: queues the scheduled instances named, rendering each attempt's input (a bad input fails it). */
export function dispatchTasks(
  state: RunState,
  command: Command<'DispatchTasks'>,
  step: DecideStep,
): StepOutcome {
  const { emit, ctx } = step;
  for (const taskId of command.taskIds) {
    const rec = state.tasks.get(taskId);
    if (!rec || rec.state !== 'scheduled') continue;
    const node = state.index.node(rec.stagePath) as PlanTaskNode;
    const attempt = rec.attempt + 1;
    const rendered = renderAttempt(state, rec, attempt);
    if (!rendered.ok) {
      emit({
        type: 'TaskInstanceFailed',
        taskId,
        attempt,
        error: { message: rendered.error, type: 'InputError', retryable: false },
        at: ctx.now,
      });
      continue;
    }
    emit({ type: 'TaskInstanceQueued', taskId, attempt, executor: node.executor, at: ctx.now });
    step.dispatches.push(rendered.payload);
  }
  return 'cascade';
}

/** RecordTaskStarted: the current attempt of a queued instance is running on a host. */
export function recordTaskStarted(
  state: RunState,
  command: Command<'RecordTaskStarted'>,
  { emit, ctx }: DecideStep,
): StepOutcome {
  const rec = currentAttempt(state, command);
  if (!isTask(rec)) return rec;
  if (rec.state === 'running')
    return refuse('duplicate_result', `attempt ${command.attempt} of ${command.taskId} already started`);
  if (rec.state !== 'queued') return refuse('invalid_state', `${command.taskId} is ${rec.state}, not queued`);
  emit({
    type: 'TaskInstanceStarted',
    taskId: rec.taskId,
    attempt: rec.attempt,
    host: command.host,
    at: ctx.now,
  });
  return 'done';
}

/** RecordTaskResult: the outcome of the current attempt (a late or repeated one is refused). */
export function recordTaskResult(
  state: RunState,
  command: Command<'RecordTaskResult'>,
  { emit, ctx }: DecideStep,
): StepOutcome {
  const rec = currentAttempt(state, command);
  if (!isTask(rec)) return rec;
  if (rec.state !== 'queued' && rec.state !== 'running')
    return refuse(
      'duplicate_result',
      `attempt ${command.attempt} of ${command.taskId} already ended ${rec.state}`,
    );
  recordResult(state, rec, command, emit, ctx);
  return 'cascade';
}

/** RecordAttemptLost: a running attempt no host heartbeats any more fails (retryable). */
export function recordAttemptLost(
  state: RunState,
  command: Command<'RecordAttemptLost'>,
  { emit, ctx }: DecideStep,
): StepOutcome {
  const rec = state.tasks.get(command.taskId);
  if (!rec) return refuse('unknown_task', `run ${state.run.id} has no task instance ${command.taskId}`);
  if (command.attempt !== rec.attempt || rec.state !== 'running')
    return refuse(
      'stale_attempt',
      `attempt ${command.attempt} of ${command.taskId} is not running (${rec.state}, attempt ${rec.attempt})`,
    );
  failAttempt(state, rec, { message: command.reason, type: 'HeartbeatLost', retryable: true }, emit, ctx);
  return 'cascade';
}
