import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePlan, runViewOf, type RunView } from '@tributary/domain';
import { getPipeline, loadRunState, verifyChain } from '@tributary/event-store';
import { eventually } from '@tributary/testing';
import { TributarySystem } from '../support/tributary-system.js';

/**
 * Five shards per run; the shards listed in params.flaky fail their first attempt and retry. At most
 * four runs at once, and at most three `each` instances at once across all runs (the backend pool).
 */
const PIPELINE = `
id: sharded
params:
  type: object
  properties: { flaky: { type: array, items: { type: string }, default: [] } }
limits: { maxActiveRuns: 4 }
defaults: { retries: 2, retryDelay: 200ms, timeout: 1m }
stages:
  - group: shard
    over: '["s1", "s2", "s3", "s4", "s5"]'
    stages:
      - id: fetch
        executor: flaky
        with: { failures: '\${{ group.key in params.flaky ? 1 : 0 }}' }
      - { id: items, executor: list, with: { n: 3 } }
      - { id: each, executor: sleep, map: upstream.items, pool: backend, with: { ms: 30 } }
      - { id: total, executor: echo, with: { value: '\${{ upstream.each }}' } }
consolidate: { executor: echo, triggerRule: all_done }
pools: { backend: { slots: 3 } }
`;

const RUNS = 12;

describe('horizontal scaling: two planners and two fan-ins on the same consumers, many runs at once', () => {
  let system: TributarySystem;

  beforeAll(async () => {
    system = await TributarySystem.start({
      executorHosts: [
        { name: 'host-a', executors: ['flaky', 'list'] },
        { name: 'host-b', executors: ['echo', 'sleep'] },
      ],
      handlers: [],
      replicas: { planner: 2, fanIn: 2 },
      env: { TRIBUTARY_LOG_LEVEL: '' }, // the default level: each replica's "ready" and "trigger" lines
    });
    // Both replicas of each consume before anything is triggered.
    await eventually(() => {
      for (const name of ['planner', 'planner-2'])
        expect(system.process(name).log).toContain('planner ready');
      for (const name of ['fan-in', 'fan-in-2']) expect(system.process(name).log).toContain('fan-in ready');
    }, 30_000);
    await system.applyPipeline(PIPELINE);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('every run succeeds once, with one outcome per attempt, one consolidation, and a log that replays to its projection', async () => {
    // Even-numbered runs have two flaky shards.
    const runIds: string[] = await Promise.all(
      Array.from({ length: RUNS }, async (_, i) => {
        const response = await system.api.post('/pipelines/sharded/runs', {
          params: { flaky: i % 2 === 0 ? ['s2', 's4'] : [] },
        });
        expect(response.status, JSON.stringify(response.body)).toBe(202);
        return response.body.runId as string;
      }),
    );
    // Both planners took triggers (the triggers consumer is shared: JetStream spreads its messages).
    await eventually(() => {
      for (const name of ['planner', 'planner-2']) {
        expect(system.process(name).log, `${name} handled triggers`).toMatch(
          /trigger sharded → run .* \(started\)/,
        );
      }
    }, 30_000);

    const pipeline = await getPipeline(system.db, 'sharded');
    const plan = compilePlan(pipeline!.spec);
    for (const runId of runIds) {
      const view: RunView = await system.waitForRun(runId, 90_000);
      expect(view.run.state, `${runId}\n${system.logs()}`).toBe('success');
      expect(view.tasks).toHaveLength(5 * (3 + 3) + 1); // fetch, items, each×3, total per shard

      const rows = await system.db
        .selectFrom('event_log')
        .select(['type', 'task_id', 'attempt', 'run_seq'])
        .where('run_id', '=', runId)
        .orderBy('run_seq')
        .execute();
      // Gapless per-run numbering although two planners appended to the same run.
      expect(rows.map((r) => Number(r.run_seq))).toEqual(rows.map((_, i) => i + 1));
      // Exactly one outcome per attempt: no attempt decided twice by the two planners.
      const outcomes = rows.filter((r) =>
        ['TaskInstanceSucceeded', 'TaskInstanceFailed', 'TaskInstanceUpForRetry'].includes(r.type),
      );
      const perAttempt = new Set(outcomes.map((r) => `${r.task_id}#${r.attempt}`));
      expect(perAttempt.size).toBe(outcomes.length);
      // One dispatch per attempt too.
      const queued = rows.filter((r) => r.type === 'TaskInstanceQueued');
      expect(new Set(queued.map((r) => `${r.task_id}#${r.attempt}`)).size).toBe(queued.length);
      // The flaky shards retried once each; the consolidation was triggered and ran exactly once.
      const retried = rows.filter((r) => r.type === 'TaskInstanceUpForRetry').map((r) => r.task_id);
      const flaky = runIds.indexOf(runId) % 2 === 0; // Promise.all keeps the trigger order
      expect(retried.sort()).toEqual(flaky ? ['shard=s2/fetch', 'shard=s4/fetch'] : []);
      expect(rows.filter((r) => r.type === 'ConsolidationTriggered')).toHaveLength(1);
      expect(view.tasks.find((t) => t.taskId === 'consolidate')).toMatchObject({
        state: 'success',
        attempt: 1,
      });

      // The log is the truth: its fold equals what the api projects, and the chain verifies.
      const { state } = await loadRunState(system.db, plan, runId);
      const folded = runViewOf(state);
      expect(folded.tasks.map(({ taskId, state: s, attempt }) => ({ taskId, s, attempt }))).toEqual(
        view.tasks.map(({ taskId, state: s, attempt }) => ({ taskId, s, attempt })),
      );
      expect(await verifyChain(system.db, runId)).toMatchObject({ ok: true });
    }

    // The limits held across both planners. Replayed in global log order (a transaction that read a
    // pool or the running runs commits after, and so numbers after, the commits it read).
    const all = await system.db
      .selectFrom('event_log')
      .select(['run_id', 'type', 'task_id', 'recorded_at'])
      .where('run_id', 'in', runIds)
      .where('type', 'in', [
        'TaskInstanceQueued',
        'TaskInstanceSucceeded',
        'TaskInstanceFailed',
        'TaskInstanceUpForRetry',
        'RunCompleted',
      ])
      .orderBy('seq')
      .execute();
    // One transaction's events share `recorded_at` (its start). A transaction is atomic: count the
    // peaks between transactions, not between the rows of one (whose order across runs means nothing).
    const pooled = new Set<string>();
    const activeRuns = new Set<string>();
    let poolPeak = 0;
    let runPeak = 0;
    const inPool = (taskId: string | null) => /\/each\[\d+\]$/.test(taskId ?? '');
    all.forEach((row, i) => {
      const key = `${row.run_id}/${row.task_id}`;
      if (row.type === 'TaskInstanceQueued') {
        activeRuns.add(row.run_id);
        if (inPool(row.task_id)) pooled.add(key);
      } else if (row.type === 'RunCompleted') activeRuns.delete(row.run_id);
      else if (inPool(row.task_id)) pooled.delete(key);
      if (all[i + 1]?.recorded_at.getTime() === row.recorded_at.getTime()) return;
      poolPeak = Math.max(poolPeak, pooled.size);
      runPeak = Math.max(runPeak, activeRuns.size);
    });
    expect(poolPeak, 'instances of the backend pool at once, over all runs and planners').toBe(3);
    expect(runPeak, 'runs dispatching at once (maxActiveRuns: 4)').toBe(4);
  }, 180_000);
});
