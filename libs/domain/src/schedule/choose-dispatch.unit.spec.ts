import { describe, expect, it } from 'vitest';
import { chooseDispatch } from './choose-dispatch.js';
import type { ReadyTask } from './ready-task.js';
import { activeFrom, limitsFrom, readyTask } from './schedule.fixture.js';
import { emptyActiveCounts } from './scheduling-limits.js';
import { emptyTokenBuckets, type TokenBuckets } from './token-buckets.js';

const ids = (tasks: readonly { taskId: string }[]): string[] => tasks.map((t) => t.taskId);
const NO_LIMITS = limitsFrom({});

describe('chooseDispatch', () => {
  describe('order', () => {
    it('given mixed priorities and ready times, then it dispatches by priority, then readyAt, then readySeq', () => {
      // given
      const ready = [
        readyTask({ taskId: 'low-early', priority: 1, readyAt: 0, readySeq: 0 }),
        readyTask({ taskId: 'high-late', priority: 5, readyAt: 900, readySeq: 9 }),
        readyTask({ taskId: 'high-early-seq2', priority: 5, readyAt: 100, readySeq: 2 }),
        readyTask({ taskId: 'high-early-seq1', priority: 5, readyAt: 100, readySeq: 1 }),
        readyTask({ taskId: 'mid', priority: 3, readyAt: 50, readySeq: 3 }),
      ];
      // when
      const { dispatch, blocked } = chooseDispatch(
        ready,
        emptyActiveCounts(),
        NO_LIMITS,
        emptyTokenBuckets(),
        0,
      );
      // then
      expect(ids(dispatch)).toEqual(['high-early-seq1', 'high-early-seq2', 'high-late', 'mid', 'low-early']);
      expect(blocked).toEqual([]);
    });

    it('given an unsorted ready set, then the input array is left as it was', () => {
      const ready = [readyTask({ taskId: 'b', readySeq: 2 }), readyTask({ taskId: 'a', readySeq: 1 })];
      chooseDispatch(ready, emptyActiveCounts(), NO_LIMITS, emptyTokenBuckets(), 0);
      expect(ids(ready)).toEqual(['b', 'a']);
    });
  });

  describe('limits', () => {
    it('given a per-pass cap of 2, then the first 2 in dispatch order go and the rest wait for the next pass', () => {
      // given
      const ready = [3, 1, 4, 2].map((i) => readyTask({ taskId: `t${i}`, readySeq: i }));
      // when
      const { dispatch, blocked } = chooseDispatch(
        ready,
        emptyActiveCounts(),
        { ...NO_LIMITS, maxPerPass: 2 },
        emptyTokenBuckets(),
        0,
      );
      // then
      expect(ids(dispatch)).toEqual(['t1', 't2']);
      expect(blocked).toEqual([
        { runId: 'r1', taskId: 't3', reason: 'pass_limit' },
        { runId: 'r1', taskId: 't4', reason: 'pass_limit' },
      ]);
    });

    it('given a run maxActiveTasks of 3 with 1 active, then only 2 more of that run go', () => {
      // given
      const ready = [1, 2, 3, 4].map((i) => readyTask({ taskId: `t${i}`, readySeq: i }));
      const active = activeFrom({ runs: { r1: 1 } });
      // when
      const { dispatch, blocked } = chooseDispatch(
        ready,
        active,
        limitsFrom({ runs: { r1: 3 } }),
        emptyTokenBuckets(),
        0,
      );
      // then
      expect(ids(dispatch)).toEqual(['t1', 't2']);
      expect(blocked).toEqual([
        { runId: 'r1', taskId: 't3', reason: 'run_limit' },
        { runId: 'r1', taskId: 't4', reason: 'run_limit' },
      ]);
    });

    it('given a stage maxActive of 2, then other stages of the run are not held back', () => {
      // given
      const ready = [
        readyTask({ taskId: 'LU/retrieve[0]', stagePath: 'market/retrieve', readySeq: 1 }),
        readyTask({ taskId: 'LU/retrieve[1]', stagePath: 'market/retrieve', readySeq: 2 }),
        readyTask({ taskId: 'PT/retrieve[0]', stagePath: 'market/retrieve', readySeq: 3 }),
        readyTask({ taskId: 'LU/generate', stagePath: 'market/generate', readySeq: 4 }),
      ];
      const limits = limitsFrom({ stages: { 'r1|market/retrieve': 2 } });
      // when
      const { dispatch, blocked } = chooseDispatch(
        ready,
        emptyActiveCounts(),
        limits,
        emptyTokenBuckets(),
        0,
      );
      // then
      expect(ids(dispatch)).toEqual(['LU/retrieve[0]', 'LU/retrieve[1]', 'LU/generate']);
      expect(blocked).toEqual([{ runId: 'r1', taskId: 'PT/retrieve[0]', reason: 'stage_limit' }]);
    });

    it('given pool slots shared by two runs, then the slots go in priority order across both runs', () => {
      // given: 3 slots, 1 already taken by run r2
      const ready = [
        readyTask({ runId: 'r1', taskId: 'a1', pool: 'search-api', readySeq: 1 }),
        readyTask({ runId: 'r2', taskId: 'b1', pool: 'search-api', readySeq: 2 }),
        readyTask({ runId: 'r1', taskId: 'a2', pool: 'search-api', readySeq: 3 }),
        readyTask({ runId: 'r2', taskId: 'b2', pool: 'search-api', readySeq: 4 }),
      ];
      const limits = limitsFrom({ pools: { 'search-api': { slots: 3, ratePerSecond: null } } });
      const active = activeFrom({ runs: { r2: 1 }, pools: { 'search-api': 1 } });
      // when
      const { dispatch, blocked } = chooseDispatch(ready, active, limits, emptyTokenBuckets(), 0);
      // then
      expect(ids(dispatch)).toEqual(['a1', 'b1']);
      expect(blocked.map((b) => [b.taskId, b.reason])).toEqual([
        ['a2', 'pool_slots'],
        ['b2', 'pool_slots'],
      ]);
    });

    it('given a pool that is not defined, then it limits nothing', () => {
      const ready = [readyTask({ taskId: 'a', pool: 'nowhere' })];
      const { dispatch } = chooseDispatch(
        ready,
        activeFrom({ pools: { nowhere: 99 } }),
        NO_LIMITS,
        emptyTokenBuckets(),
        0,
      );
      expect(ids(dispatch)).toEqual(['a']);
    });

    it('given a task under several full limits, then the reason is the first of run, stage, pool slots, pool rate', () => {
      const task = readyTask({ taskId: 't', pool: 'p' });
      const limits = limitsFrom({
        runs: { r1: 0 },
        stages: { 'r1|stage': 0 },
        pools: { p: { slots: 0, ratePerSecond: 1 } },
      });
      const { blocked } = chooseDispatch([task], emptyActiveCounts(), limits, emptyTokenBuckets(), 0);
      expect(blocked).toEqual([{ runId: 'r1', taskId: 't', reason: 'run_limit' }]);
    });
  });

  describe('no head-of-line blocking', () => {
    it('given the highest-priority tasks blocked by run, stage and pool limits, then lower-priority tasks under other limits still go', () => {
      // given
      const ready = [
        readyTask({ runId: 'full-run', taskId: 'x1', priority: 9, readySeq: 1 }),
        readyTask({ runId: 'r1', taskId: 'x2', stagePath: 'full-stage', priority: 9, readySeq: 2 }),
        readyTask({ runId: 'r1', taskId: 'x3', pool: 'full-pool', priority: 9, readySeq: 3 }),
        readyTask({ runId: 'r1', taskId: 'x4', pool: 'slow-pool', priority: 9, readySeq: 4 }),
        readyTask({ runId: 'r2', taskId: 'y1', priority: 1, readySeq: 5 }),
        readyTask({ runId: 'r1', taskId: 'y2', pool: 'free-pool', priority: 1, readySeq: 6 }),
      ];
      const limits = limitsFrom({
        runs: { 'full-run': 0 },
        stages: { 'r1|full-stage': 0 },
        pools: {
          'full-pool': { slots: 0, ratePerSecond: null },
          'slow-pool': { slots: 10, ratePerSecond: 1 },
          'free-pool': { slots: 10, ratePerSecond: null },
        },
      });
      const buckets: TokenBuckets = new Map([['slow-pool', { tokens: 0, updatedAtMs: 0 }]]);
      // when
      const result = chooseDispatch(ready, emptyActiveCounts(), limits, buckets, 0);
      // then
      expect(ids(result.dispatch)).toEqual(['y1', 'y2']);
      expect(result.blocked.map((b) => b.reason)).toEqual([
        'run_limit',
        'stage_limit',
        'pool_slots',
        'pool_rate',
      ]);
      expect(result.nextWakeMs).toBe(1000);
    });
  });

  describe('pool rate', () => {
    const limits = limitsFrom({ pools: { llm: { slots: 1000, ratePerSecond: 5 } } });
    const backlog = (n: number): ReadyTask[] =>
      Array.from({ length: n }, (_, i) => readyTask({ taskId: `q${i}`, pool: 'llm', readySeq: i }));

    it('given rate 5/s and a backlog, when the planner wakes when told for 2 simulated seconds, then capacity + 10 tasks go', () => {
      // given
      let ready = backlog(100);
      let buckets = emptyTokenBuckets();
      let now = 0;
      const dispatchedAt: number[] = [];
      // when
      while (now <= 2000) {
        const result = chooseDispatch(ready, emptyActiveCounts(), limits, buckets, now);
        dispatchedAt.push(...result.dispatch.map(() => now));
        const chosen = new Set(result.dispatch);
        ready = ready.filter((t) => !chosen.has(t));
        buckets = result.buckets;
        if (result.nextWakeMs === null) break;
        expect(result.nextWakeMs).toBeGreaterThan(now);
        now = result.nextWakeMs;
      }
      // then: a burst of 5 at once, then one every 200 ms
      expect(dispatchedAt).toHaveLength(5 + 10);
      expect(dispatchedAt.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
      expect(dispatchedAt.slice(5)).toEqual([200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000]);
    });

    it('given rate 5/s polled every 50 ms for 2 s, then it still dispatches capacity + 10', () => {
      let ready = backlog(100);
      let buckets = emptyTokenBuckets();
      let dispatched = 0;
      for (let now = 0; now <= 2000; now += 50) {
        const result = chooseDispatch(ready, emptyActiveCounts(), limits, buckets, now);
        dispatched += result.dispatch.length;
        ready = ready.slice(result.dispatch.length);
        buckets = result.buckets;
      }
      expect(dispatched).toBe(15);
    });

    it('given buckets passed in, then they are not changed and the returned value is new', () => {
      const before: TokenBuckets = new Map([['llm', { tokens: 3, updatedAtMs: 0 }]]);
      const result = chooseDispatch(backlog(2), emptyActiveCounts(), limits, before, 0);
      expect(before.get('llm')).toEqual({ tokens: 3, updatedAtMs: 0 });
      expect(result.buckets.get('llm')).toEqual({ tokens: 1, updatedAtMs: 0 });
      expect(result.nextWakeMs).toBeNull();
    });

    it('given the last token spent and nothing left waiting, then no wake-up is asked', () => {
      const result = chooseDispatch(backlog(5), emptyActiveCounts(), limits, emptyTokenBuckets(), 0);
      expect(result.dispatch).toHaveLength(5);
      expect(result.nextWakeMs).toBeNull();
    });

    it('given a paused pool (rate 0), then nothing goes and no wake-up is asked', () => {
      const paused = limitsFrom({ pools: { llm: { slots: 10, ratePerSecond: 0 } } });
      const result = chooseDispatch(backlog(3), emptyActiveCounts(), paused, emptyTokenBuckets(), 0);
      expect(result.dispatch).toEqual([]);
      expect(result.nextWakeMs).toBeNull();
    });
  });

  describe('scale', () => {
    it('given 100 000 ready tasks over 1 000 runs, then it decides in well under a second', () => {
      // given: 100 runs' worth of 1 000 tasks each, shuffled deterministically
      const ready: ReadyTask[] = [];
      for (let i = 0; i < 100_000; i += 1) {
        const j = (i * 7919) % 100_000;
        ready.push(
          readyTask({
            runId: `run-${j % 1000}`,
            taskId: `task-${j}`,
            stagePath: `stage-${j % 7}`,
            priority: j % 3,
            readyAt: j,
            readySeq: j,
            pool: j % 2 === 0 ? 'shared' : null,
          }),
        );
      }
      const limits = {
        maxActiveTasks: () => 50,
        maxActive: () => 16,
        pool: () => ({ slots: 5000, ratePerSecond: 2000 }),
      };
      // when
      const started = performance.now();
      const result = chooseDispatch(ready, emptyActiveCounts(), limits, emptyTokenBuckets(), 0);
      const elapsedMs = performance.now() - started;
      // then
      expect(result.dispatch.length + result.blocked.length).toBe(100_000);
      expect(result.dispatch.length).toBeGreaterThan(0);
      expect(elapsedMs).toBeLessThan(1500);
    });
  });
});
