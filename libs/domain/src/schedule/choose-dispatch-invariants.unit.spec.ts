import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseDispatch, type BlockReason } from './choose-dispatch.js';
import { compareReadyTasks, type ReadyTask } from './ready-task.js';
import { activeFrom, limitsFrom, type LimitTable } from './schedule.fixture.js';
import type { PoolLimit } from './scheduling-limits.js';
import type { TokenBucket, TokenBuckets } from './token-buckets.js';

/**
 * The properties, for any ready set, active counts, limits, buckets and time:
 *
 * 1. Partition — every ready task is either dispatched or blocked, exactly once, and both lists
 *    are in dispatch order (priority, then FIFO).
 * 2. Safety — for every run, stage and pool that gets a dispatch, active + dispatched never
 *    exceeds its limit, and a rate-limited pool never dispatches more than the whole tokens its
 *    bucket holds at `now`.
 * 3. Blocked only by a full limit — a blocked task's limit (the one in its reason) is full once
 *    the pass is done: used ≥ limit, or less than one token left.
 * 4. Order within a limit, no head-of-line blocking across limits — no task after a blocked task
 *    in dispatch order that is under the same limit that blocked it is dispatched; tasks under
 *    other limits are free to go (they are only checked against their own limits, by 2 and 3).
 *    Together with 3: a lower-priority task is never chosen while a higher-priority task was
 *    blocked by a limit the lower one is also under.
 * 5. Determinism — the same ready set in any order gives the same choice.
 */

const RUNS = ['r1', 'r2', 'r3'] as const;
const STAGES = ['a', 'b'] as const;
const POOLS = ['p', 'q'] as const;
const EPSILON = 1e-9;

const limitArb = fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined });
const poolArb: fc.Arbitrary<PoolLimit> = fc.record({
  slots: fc.integer({ min: 0, max: 8 }),
  ratePerSecond: fc.constantFrom(null, null, 0, 0.5, 1, 2, 5),
});

const scenario = fc.record({
  tasks: fc.array(
    fc.record({
      run: fc.constantFrom(...RUNS),
      stage: fc.constantFrom(...STAGES),
      pool: fc.constantFrom(null, 'p', 'q', 'undefined-pool'),
      priority: fc.integer({ min: 0, max: 3 }),
      readyAt: fc.integer({ min: 0, max: 3 }),
    }),
    { maxLength: 40 },
  ),
  runLimits: fc.tuple(limitArb, limitArb, limitArb),
  stageLimits: fc.array(limitArb, { minLength: 6, maxLength: 6 }),
  pools: fc.tuple(poolArb, poolArb),
  active: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 3 + 6 + 2, maxLength: 3 + 6 + 2 }),
  buckets: fc.tuple(
    fc.option(
      fc.record({
        tokens: fc.double({ min: 0, max: 5, noNaN: true }),
        updatedAtMs: fc.integer({ min: 0, max: 1000 }),
      }),
      {
        nil: undefined,
      },
    ),
    fc.option(
      fc.record({
        tokens: fc.double({ min: 0, max: 5, noNaN: true }),
        updatedAtMs: fc.integer({ min: 0, max: 1000 }),
      }),
      {
        nil: undefined,
      },
    ),
  ),
  nowMs: fc.integer({ min: 0, max: 3000 }),
  shuffleSeed: fc.integer(),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function build(s: Scenario) {
  const ready: ReadyTask[] = s.tasks.map((t, i) => ({
    runId: t.run,
    taskId: `t${i}`,
    stagePath: t.stage,
    executor: 'noop',
    priority: t.priority,
    readyAt: t.readyAt,
    readySeq: i,
    pool: t.pool,
  }));
  const table: Required<LimitTable> = { runs: {}, stages: {}, pools: {} };
  RUNS.forEach((run, i) => {
    const limit = s.runLimits[i];
    if (limit !== undefined) table.runs[run] = limit;
    STAGES.forEach((stage, j) => {
      const stageLimit = s.stageLimits[i * 2 + j];
      if (stageLimit !== undefined) table.stages[`${run}|${stage}`] = stageLimit;
    });
  });
  POOLS.forEach((pool, i) => (table.pools[pool] = s.pools[i]!));
  const activeCounts = {
    runs: Object.fromEntries(RUNS.map((run, i) => [run, s.active[i]!])),
    stages: Object.fromEntries(
      RUNS.flatMap((run, i) => STAGES.map((stage, j) => [`${run}|${stage}`, s.active[3 + i * 2 + j]!])),
    ),
    pools: Object.fromEntries(POOLS.map((pool, i) => [pool, s.active[9 + i]!])),
  };
  const buckets = new Map<string, TokenBucket>();
  POOLS.forEach((pool, i) => {
    const bucket = s.buckets[i];
    if (bucket !== undefined) buckets.set(pool, bucket);
  });
  return { ready, table, activeCounts, buckets: buckets as TokenBuckets };
}

/** The limit key a reason refers to, for a task. */
function keyOf(task: ReadyTask, reason: BlockReason): string {
  switch (reason) {
    case 'run_limit':
      return `run:${task.runId}`;
    case 'stage_limit':
      return `stage:${task.runId}|${task.stagePath}`;
    case 'pool_slots':
    case 'pool_rate':
      return `pool:${task.pool}`;
    case 'pass_limit':
      return 'pass';
  }
}

/** Whole tokens the pool's bucket holds at `now`, computed here independently of the code. */
function tokensAt(bucket: TokenBucket | undefined, rate: number, now: number): number {
  const capacity = Math.max(1, rate);
  if (bucket === undefined) return rate > 0 ? capacity : 0;
  const refill = rate > 0 ? (Math.max(0, now - bucket.updatedAtMs) * rate) / 1000 : 0;
  return Math.min(capacity, bucket.tokens + refill);
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i -= 1) {
    state = (state * 1103515245 + 12345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('chooseDispatch invariants', () => {
  it('holds partition, safety, full-limit blocking, order within a limit and determinism', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        // given
        const { ready, table, activeCounts, buckets } = build(s);
        const bucketsBefore = JSON.stringify([...buckets]);
        const limits = limitsFrom(table);
        const active = activeFrom(activeCounts);
        // when
        const result = chooseDispatch(ready, active, limits, buckets, s.nowMs);

        // then 1: partition, in order
        const byId = new Map(ready.map((t) => [t.taskId, t]));
        const dispatchedIds = result.dispatch.map((t) => t.taskId);
        const blockedIds = result.blocked.map((b) => b.taskId);
        expect([...dispatchedIds, ...blockedIds].sort()).toEqual(ready.map((t) => t.taskId).sort());
        const sorted = [...ready].sort(compareReadyTasks);
        const rank = new Map(sorted.map((t, i) => [t.taskId, i]));
        const ascending = (xs: string[]) =>
          xs.every((id, i) => i === 0 || rank.get(xs[i - 1]!)! < rank.get(id)!);
        expect(ascending(dispatchedIds)).toBe(true);
        expect(ascending(blockedIds)).toBe(true);

        // then 2: safety
        const used = new Map<string, number>();
        const bump = (key: string) => used.set(key, (used.get(key) ?? 0) + 1);
        for (const t of result.dispatch) {
          bump(`run:${t.runId}`);
          bump(`stage:${t.runId}|${t.stagePath}`);
          if (t.pool !== null) bump(`pool:${t.pool}`);
        }
        const limitOf = (key: string): number | null => {
          const [kind, name] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
          if (kind === 'run') return table.runs[name] ?? null;
          if (kind === 'stage') return table.stages[name] ?? null;
          return table.pools[name]?.slots ?? null;
        };
        const activeOf = (key: string): number => {
          const [kind, name] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
          if (kind === 'run') return activeCounts.runs[name] ?? 0;
          if (kind === 'stage') return activeCounts.stages[name] ?? 0;
          return activeCounts.pools[name] ?? 0;
        };
        for (const [key, count] of used) {
          const limit = limitOf(key);
          if (limit !== null) expect(activeOf(key) + count).toBeLessThanOrEqual(limit);
        }
        for (const pool of POOLS) {
          const rate = table.pools[pool]!.ratePerSecond;
          if (rate === null) continue;
          const available = tokensAt(buckets.get(pool), rate, s.nowMs);
          expect(used.get(`pool:${pool}`) ?? 0).toBeLessThanOrEqual(Math.floor(available + EPSILON));
        }

        // then 3 and 4: blocked only by a full limit, never passed over under that same limit
        for (const b of result.blocked) {
          const task = byId.get(b.taskId)!;
          const key = keyOf(task, b.reason);
          if (b.reason === 'pool_rate') {
            expect(result.buckets.get(task.pool!)!.tokens).toBeLessThan(1);
          } else {
            expect(activeOf(key) + (used.get(key) ?? 0)).toBeGreaterThanOrEqual(limitOf(key)!);
          }
          const passedOver = result.dispatch.filter(
            (d) => rank.get(d.taskId)! > rank.get(task.taskId)! && keyOf(d, b.reason) === key,
          );
          expect(passedOver).toEqual([]);
        }

        // then 5: determinism, and the buckets passed in are unchanged
        const again = chooseDispatch(shuffled(ready, s.shuffleSeed), active, limits, buckets, s.nowMs);
        expect(again.dispatch.map((t) => t.taskId)).toEqual(dispatchedIds);
        expect(again.blocked).toEqual(result.blocked);
        expect(JSON.stringify([...buckets])).toBe(bucketsBefore);
      }),
      { numRuns: 500 },
    );
  });
});
