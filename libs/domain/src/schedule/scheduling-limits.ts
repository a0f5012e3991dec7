/** A shared pool: at most `slots` task instances at once across all runs, and optionally a rate. */
export interface PoolLimit {
  slots: number;
  /**
   * Dispatches per second, as a token bucket of capacity `max(1, ratePerSecond)` refilled
   * continuously; null for no rate limit. A rate `<= 0` pauses the pool.
   */
  ratePerSecond: number | null;
}

/**
 * Task instances already taking a slot (queued or running), by the limit they count against.
 * Keys of `perStage` are built with `stageKey`.
 */
export interface ActiveCounts {
  perRun: ReadonlyMap<string, number>;
  perStage: ReadonlyMap<string, number>;
  perPool: ReadonlyMap<string, number>;
}

/** The limits `chooseDispatch` enforces; null means "no limit". */
export interface SchedulingLimits {
  /** The run's `maxActiveTasks` (per run, all stages and groups together). */
  maxActiveTasks(runId: string): number | null;
  /** The stage's `maxActive`, per run across all its groups and map indices. */
  maxActive(runId: string, stagePath: string): number | null;
  /** The pool's definition; null when the pool is not defined (then it limits nothing). */
  pool(name: string): PoolLimit | null;
  /**
   * At most this many dispatches in one pass (one commit); the rest wait for the next pass, in order.
   * Bounds the work and memory of one commit when a map expands 100 000 instances at once. @default no cap
   */
  maxPerPass?: number;
}

/** The key of `ActiveCounts.perStage` for a stage of a run. */
export function stageKey(runId: string, stagePath: string): string {
  return `${runId}|${stagePath}`;
}

/** No task instance active anywhere. */
export function emptyActiveCounts(): ActiveCounts {
  return { perRun: new Map(), perStage: new Map(), perPool: new Map() };
}
