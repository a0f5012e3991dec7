import type { PlanTaskNode } from '../spec/compiled-plan.js';
import type { DecideContext } from './run-commands.js';
import type { RunState, TaskRecord } from './run-state.js';
import { renderAttempt, type AttemptPayload } from './attempt-payload.js';
import { failAttempt } from './attempt-outcome.js';
import type { Emit } from './decide-emit.js';

// What time decides: retries coming due, timeouts, lost dispatches, and when the run next needs a tick.

export function tick(state: RunState, emit: Emit, ctx: DecideContext): void {
  for (const taskId of [...state.retrying]) {
    const rec = state.tasks.get(taskId)!;
    if (rec.retryAt !== null && rec.retryAt <= ctx.now)
      emit({ type: 'TaskInstanceScheduled', taskId, at: ctx.now });
  }
  for (const taskId of [...state.running]) {
    const rec = state.tasks.get(taskId)!;
    const timeout = (state.index.node(rec.stagePath) as PlanTaskNode).settings.timeoutMs;
    if (timeout !== null && rec.startedAt !== null && rec.startedAt + timeout <= ctx.now) {
      failAttempt(
        state,
        rec,
        {
          message: `attempt ${rec.attempt} timed out after ${timeout} ms`,
          type: 'TimeoutError',
          retryable: true,
        },
        emit,
        ctx,
      );
    }
  }
}

/**
 * A queued instance past its stage's queuedTimeout never reached an executor (a purged stream, a lost
 * publish): dispatched again as the SAME attempt, so a first copy that turns up late is a duplicate the
 * decider refuses. (Airflow's task_queued_timeout fails it instead; re-sending costs no retry.) Anything
 * else — started meanwhile, not overdue, another attempt — is left alone: the command may be stale.
 */
export function requeueLostDispatch(
  state: RunState,
  taskId: string,
  emit: Emit,
  ctx: DecideContext,
  dispatches: AttemptPayload[],
): void {
  const rec = state.tasks.get(taskId);
  if (!rec || rec.state !== 'queued' || rec.queuedAt === null) return;
  const node = state.index.node(rec.stagePath) as PlanTaskNode;
  const limit = node.settings.queuedTimeoutMs;
  if (limit === null || rec.queuedAt + limit > ctx.now) return;
  const rendered = renderAttempt(state, rec, rec.attempt);
  if (!rendered.ok) {
    failAttempt(state, rec, { message: rendered.error, type: 'InputError', retryable: false }, emit, ctx);
    return;
  }
  emit({
    type: 'TaskInstanceRequeued',
    taskId,
    attempt: rec.attempt,
    executor: node.executor,
    reason: `queued ${ctx.now - rec.queuedAt} ms without starting (queuedTimeout ${limit} ms): dispatched again`,
    at: ctx.now,
  });
  dispatches.push({ ...rendered.payload, redispatchedAt: ctx.now });
}

/** Queued instances past their stage's queuedTimeout at `now` (candidates for RequeueLostDispatches). */
export function overdueQueued(state: RunState, now: number): TaskRecord[] {
  const overdue: TaskRecord[] = [];
  for (const taskId of state.queued) {
    const rec = state.tasks.get(taskId)!;
    const limit = (state.index.node(rec.stagePath) as PlanTaskNode).settings.queuedTimeoutMs;
    if (limit !== null && rec.queuedAt !== null && rec.queuedAt + limit <= now) overdue.push(rec);
  }
  return overdue;
}

/** When the decider next needs a Tick (a retry comes due or a running attempt times out); null = never. */
export function nextWakeAt(state: RunState): number | null {
  let next: number | null = null;
  const consider = (at: number): void => {
    if (next === null || at < next) next = at;
  };
  for (const taskId of state.retrying) {
    const at = state.tasks.get(taskId)?.retryAt;
    if (at != null) consider(at);
  }
  for (const taskId of state.running) {
    const rec = state.tasks.get(taskId)!;
    const timeout = (state.index.node(rec.stagePath) as PlanTaskNode).settings.timeoutMs;
    if (timeout !== null && rec.startedAt !== null) consider(rec.startedAt + timeout);
  }
  return next;
}
