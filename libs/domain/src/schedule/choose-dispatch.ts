import { inDispatchOrder, type ReadyTask } from './ready-task.js';
import { stageKey, type ActiveCounts, type PoolLimit, type SchedulingLimits } from './scheduling-limits.js';
import {
  hasToken,
  nextTokenAtMs,
  refillBucket,
  type TokenBucket,
  type TokenBuckets,
} from './token-buckets.js';

/** Why a ready task was not dispatched, checked in this order. */
export type BlockReason = 'run_limit' | 'stage_limit' | 'pool_slots' | 'pool_rate' | 'pass_limit';

/** A ready task left waiting, with the first limit that held it back. */
export interface BlockedTask {
  runId: string;
  taskId: string;
  reason: BlockReason;
}

/** What `chooseDispatch` decided. */
export interface DispatchChoice {
  /** The tasks to dispatch now, in dispatch order. */
  dispatch: ReadyTask[];
  /** The token buckets after this dispatch (a new value; the input is unchanged). */
  buckets: TokenBuckets;
  /** Every ready task not dispatched, in dispatch order, with the limit that held it back. */
  blocked: BlockedTask[];
  /**
   * When (ms) the earliest token arrives in a pool some task is waiting on for `pool_rate`;
   * null when nothing waits on a rate (slots and limits free up on events, not on time).
   */
  nextWakeMs: number | null;
}

/** A counted limit during one pass: `used` starts at the active count and grows with each dispatch. */
interface Counter {
  limit: number | null;
  used: number;
}

interface PoolCounter extends Counter {
  definition: PoolLimit | null;
  bucket: TokenBucket | null;
  /** Some task of this pass was blocked on this pool's rate. */
  waitsOnRate: boolean;
}

/**
 * Chooses which ready tasks to dispatch now.
 *
 * Tasks are taken in dispatch order (`compareReadyTasks`: priority, then FIFO); pass `ready`
 * already in that order to skip the O(n log n) sort (checked in O(n)). Each task is dispatched
 * when its run's `maxActiveTasks`, its stage's `maxActive`, its pool's slots (shared across
 * runs) and its pool's rate all have room, counting the active tasks plus those chosen earlier
 * in this pass; otherwise it is blocked with the first limit that is full and the pass goes on.
 * So a blocked task never holds back a task that is not under that same limit (no head-of-line
 * blocking across runs, stages or pools), and within one limit the order is kept: a task is
 * never chosen while an earlier task under the same limit was blocked by it.
 *
 * A pool rate is a token bucket (`token-buckets.ts`): a dispatch spends one token; when some
 * task waits on a rate, `nextWakeMs` says when the next token arrives. Runs in O(n) after the
 * sort, with a constant number of map look-ups per task and the limits asked once per key.
 */
export function chooseDispatch(
  ready: readonly ReadyTask[],
  active: ActiveCounts,
  limits: SchedulingLimits,
  buckets: TokenBuckets,
  nowMs: number,
): DispatchChoice {
  const runs = new Map<string, Counter>();
  const stages = new Map<string, Counter>();
  const pools = new Map<string, PoolCounter>();
  const dispatch: ReadyTask[] = [];
  const blocked: BlockedTask[] = [];

  const maxPerPass = limits.maxPerPass ?? Number.POSITIVE_INFINITY;
  for (const task of inDispatchOrder(ready)) {
    if (dispatch.length >= maxPerPass) {
      blocked.push({ runId: task.runId, taskId: task.taskId, reason: 'pass_limit' });
      continue;
    }
    const run = counterFor(runs, task.runId, () => limits.maxActiveTasks(task.runId), active.perRun);
    if (isFull(run)) {
      blocked.push({ runId: task.runId, taskId: task.taskId, reason: 'run_limit' });
      continue;
    }
    const key = stageKey(task.runId, task.stagePath);
    const stage = counterFor(
      stages,
      key,
      () => limits.maxActive(task.runId, task.stagePath),
      active.perStage,
    );
    if (isFull(stage)) {
      blocked.push({ runId: task.runId, taskId: task.taskId, reason: 'stage_limit' });
      continue;
    }
    const pool = task.pool === null ? null : poolFor(pools, task.pool, limits, active, buckets, nowMs);
    if (pool !== null && isFull(pool)) {
      blocked.push({ runId: task.runId, taskId: task.taskId, reason: 'pool_slots' });
      continue;
    }
    if (pool?.bucket && !hasToken(pool.bucket)) {
      pool.waitsOnRate = true;
      blocked.push({ runId: task.runId, taskId: task.taskId, reason: 'pool_rate' });
      continue;
    }

    dispatch.push(task);
    run.used += 1;
    stage.used += 1;
    if (pool !== null) {
      pool.used += 1;
      if (pool.bucket) pool.bucket = { ...pool.bucket, tokens: Math.max(0, pool.bucket.tokens - 1) };
    }
  }

  return { dispatch, blocked, ...settleBuckets(pools, buckets) };
}

function isFull(counter: Counter): boolean {
  return counter.limit !== null && counter.used >= counter.limit;
}

function counterFor(
  counters: Map<string, Counter>,
  key: string,
  limit: () => number | null,
  active: ReadonlyMap<string, number>,
): Counter {
  let counter = counters.get(key);
  if (counter === undefined) {
    counter = { limit: limit(), used: active.get(key) ?? 0 };
    counters.set(key, counter);
  }
  return counter;
}

function poolFor(
  pools: Map<string, PoolCounter>,
  name: string,
  limits: SchedulingLimits,
  active: ActiveCounts,
  buckets: TokenBuckets,
  nowMs: number,
): PoolCounter {
  let pool = pools.get(name);
  if (pool === undefined) {
    const definition = limits.pool(name);
    const rate = definition?.ratePerSecond ?? null;
    pool = {
      definition,
      limit: definition?.slots ?? null,
      used: active.perPool.get(name) ?? 0,
      bucket: rate === null ? null : refillBucket(buckets.get(name), rate, nowMs),
      waitsOnRate: false,
    };
    pools.set(name, pool);
  }
  return pool;
}

/** The new buckets (every rate-limited pool seen in this pass, refilled and spent) and the wake-up. */
function settleBuckets(
  pools: ReadonlyMap<string, PoolCounter>,
  before: TokenBuckets,
): Pick<DispatchChoice, 'buckets' | 'nextWakeMs'> {
  const buckets = new Map(before);
  let nextWakeMs: number | null = null;
  for (const [name, pool] of pools) {
    const rate = pool.definition?.ratePerSecond ?? null;
    if (pool.bucket === null || rate === null) continue;
    buckets.set(name, pool.bucket);
    if (pool.waitsOnRate) {
      const at = nextTokenAtMs(pool.bucket, rate);
      if (at !== null && (nextWakeMs === null || at < nextWakeMs)) nextWakeMs = at;
    }
  }
  return { buckets, nextWakeMs };
}
