/** A task instance whose trigger rule said `run`, waiting for a dispatch slot. */
export interface ReadyTask {
  runId: string;
  /** The task instance id, unique within its run: `market=LU/retrieve[3]`. */
  taskId: string;
  /**
   * The stage's path in the pipeline, without group keys or map index (`market/retrieve`): the
   * key of the stage's `maxActive`, which is per run across all its groups and indices.
   */
  stagePath: string;
  executor: string;
  /** Higher runs first. */
  priority: number;
  /** FIFO order among equal priority: the time (ms) it became ready, then seq. */
  readyAt: number;
  readySeq: number;
  /** The pool whose slots (and rate) it takes, shared across all runs; null for none. */
  pool: string | null;
}

/**
 * The dispatch order: higher `priority` first, then earlier `readyAt`, then lower `readySeq`,
 * then `runId` and `taskId` so that the order is total and the choice deterministic.
 * The planner can keep its ready set sorted with this comparator so that `chooseDispatch`
 * does not need to sort it again.
 */
export function compareReadyTasks(a: ReadyTask, b: ReadyTask): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.readyAt !== b.readyAt) return a.readyAt - b.readyAt;
  if (a.readySeq !== b.readySeq) return a.readySeq - b.readySeq;
  if (a.runId !== b.runId) return a.runId < b.runId ? -1 : 1;
  if (a.taskId !== b.taskId) return a.taskId < b.taskId ? -1 : 1;
  return 0;
}

/**
 * `ready` in dispatch order: the same array when it already is (checked in O(n)), else a sorted
 * copy (O(n log n)); the input is never modified.
 */
export function inDispatchOrder(ready: readonly ReadyTask[]): readonly ReadyTask[] {
  for (let i = 1; i < ready.length; i += 1) {
    if (compareReadyTasks(ready[i - 1]!, ready[i]!) > 0) {
      return [...ready].sort(compareReadyTasks);
    }
  }
  return ready;
}
