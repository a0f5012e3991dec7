import type { AttemptDispatch } from '@tributary/events';

/** How an attempt's part of a dispatch ended on this host. */
export type AttemptEnd =
  /** Its final result was published (or it could not be reported at all and was dropped, logged). */
  | 'reported'
  /** It did not run to the end because the host is stopping: the dispatch must come back (nak). */
  | 'handed-back';

/** An attempt this host holds: waiting for a slot, running, or publishing its final result. */
export interface HeldAttempt {
  readonly dispatch: AttemptDispatch;
  readonly executor: string;
  /** Aborts the handler's `ctx.signal` (cancel event, host shutdown). */
  readonly controller: AbortController;
  state: 'queued' | 'running' | 'finishing';
  /** Aborted because the host stops, not because the task was cancelled: no result is sent. */
  abortedByShutdown: boolean;
  done: Promise<AttemptEnd> | null;
}

const taskKey = (runId: string, taskId: string): string => `${runId}\u0000${taskId}`;

/** The attempts this host holds, by attempt id and by task instance (for cancel events). */
export class RunningAttempts {
  private readonly byId = new Map<string, HeldAttempt>();
  private readonly byTask = new Map<string, Set<HeldAttempt>>();

  get size(): number {
    return this.byId.size;
  }

  get(attemptId: string): HeldAttempt | undefined {
    return this.byId.get(attemptId);
  }

  add(dispatch: AttemptDispatch, executor: string): HeldAttempt {
    const held: HeldAttempt = {
      dispatch,
      executor,
      controller: new AbortController(),
      state: 'queued',
      abortedByShutdown: false,
      done: null,
    };
    this.byId.set(dispatch.attemptId, held);
    const key = taskKey(dispatch.runId, dispatch.taskId);
    const set = this.byTask.get(key);
    if (set) set.add(held);
    else this.byTask.set(key, new Set([held]));
    return held;
  }

  delete(held: HeldAttempt): void {
    if (this.byId.get(held.dispatch.attemptId) === held) this.byId.delete(held.dispatch.attemptId);
    const key = taskKey(held.dispatch.runId, held.dispatch.taskId);
    const set = this.byTask.get(key);
    set?.delete(held);
    if (set?.size === 0) this.byTask.delete(key);
  }

  /** Aborts the queued or running attempts of one task instance; returns how many. */
  cancel(runId: string, taskId: string, reason: string): number {
    let count = 0;
    for (const held of this.byTask.get(taskKey(runId, taskId)) ?? []) {
      if (held.state === 'finishing' || held.controller.signal.aborted) continue;
      held.controller.abort(reason);
      count++;
    }
    return count;
  }

  /** Aborts everything still running because the host stops; returns how many. */
  abortForShutdown(reason: string): number {
    let count = 0;
    for (const held of this.byId.values()) {
      if (held.state !== 'running' || held.controller.signal.aborted) continue;
      held.abortedByShutdown = true;
      held.controller.abort(reason);
      count++;
    }
    return count;
  }

  /**
   * Attempt ids of `executor` this host holds — waiting for a slot, running or finishing — for its
   * heartbeats: the planner re-dispatches a queued attempt only when no host holds it, and fails a
   * running one only when no host has said so for its heartbeat timeout.
   */
  heldIds(executor: string): string[] {
    const ids: string[] = [];
    for (const held of this.byId.values()) if (held.executor === executor) ids.push(held.dispatch.attemptId);
    return ids;
  }

  /** Attempts running (not waiting for a slot) per executor name; names with none are left out. */
  runningByExecutor(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const held of this.byId.values())
      if (held.state === 'running') counts[held.executor] = (counts[held.executor] ?? 0) + 1;
    return counts;
  }
}
