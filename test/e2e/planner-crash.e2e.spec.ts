import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePlan, runViewOf, type RunView } from '@tributary/domain';
import { getPipeline, loadRunState, verifyChain } from '@tributary/event-store';
import { waitFor } from '../support/free-port.js';
import { TributarySystem } from '../support/tributary-system.js';

const PIPELINE = `
id: crash-test
params: { type: object, properties: { shards: { type: array, items: { type: string } } } }
defaults: { retries: 1, retryDelay: 2s, timeout: 30s }
stages:
  - group: shard
    over: params.shards
    stages:
      - { id: slow, executor: sleep, with: { ms: 400 } }
      - { id: flaky, executor: flaky, with: { failures: 1 } }
      - { id: last, executor: noop }
consolidate: { executor: noop, triggerRule: all_done }
`;

describe('a planner crash loses nothing (invariants 3 and 4)', () => {
  let system: TributarySystem;

  beforeAll(async () => {
    system = await TributarySystem.start({
      executorHosts: [{ name: 'host', executors: ['sleep', 'flaky', 'noop'] }],
      handlers: [],
    });
    await system.applyPipeline(PIPELINE);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('SIGKILL mid-run and again while retries are pending: after restart the run finishes, one outcome per attempt', async () => {
    const shards = ['a', 'b', 'c', 'd'];
    const trigger = await system.api.post('/pipelines/crash-test/runs', { params: { shards } });
    expect(trigger.status).toBe(202);
    const runId = trigger.body.runId;
    const count = async (type: string) =>
      Number(
        (
          await system.db
            .selectFrom('event_log')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('run_id', '=', runId)
            .where('type', '=', type)
            .executeTakeFirst()
        )?.n ?? 0,
      );

    // Crash 1: while the sleeps run (their results pile up in RESULTS meanwhile).
    await waitFor('the sleeps to start', async () => (await count('TaskInstanceStarted')) >= 1, 20_000, 20);
    await system.kill('planner');
    await new Promise((r) => setTimeout(r, 1000));
    system.restart('planner');

    // Crash 2: once every flaky task failed its first attempt and waits 2 s for its retry.
    await waitFor(
      'the flaky tasks to be up for retry',
      async () => (await count('TaskInstanceUpForRetry')) === shards.length,
      30_000,
      20,
    );
    await system.kill('planner');
    await new Promise((r) => setTimeout(r, 500));
    system.restart('planner');

    const view: RunView = await system.waitForRun(runId, 60_000);
    expect(view.run.state, system.logs()).toBe('success');
    for (const shard of shards) {
      const task = view.tasks.find((t) => t.taskId === `shard=${shard}/flaky`)!;
      expect([task.state, task.attempt, task.output]).toEqual(['success', 2, 2]);
    }
    // Exactly one outcome per attempt, whatever was redelivered or republished around the crashes.
    const outcomes = await system.db
      .selectFrom('event_log')
      .select(['task_id', 'attempt', 'type'])
      .where('run_id', '=', runId)
      .where('type', 'in', ['TaskInstanceSucceeded', 'TaskInstanceFailed', 'TaskInstanceUpForRetry'])
      .execute();
    const keys = outcomes.map((o) => `${o.task_id}#${o.attempt}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(outcomes.filter((o) => o.type === 'TaskInstanceSucceeded')).toHaveLength(shards.length * 3 + 1);
    expect(await count('ConsolidationTriggered')).toBe(1);
    expect(await verifyChain(system.db, runId)).toMatchObject({ ok: true });
    const pipeline = await getPipeline(system.db, 'crash-test');
    const { state } = await loadRunState(system.db, compilePlan(pipeline!.spec), runId);
    expect(runViewOf(state).tasks.map((t) => [t.taskId, t.state, t.attempt])).toEqual(
      view.tasks.map((t) => [t.taskId, t.state, t.attempt]),
    );
    // Nothing is left unpublished once the restarted planner swept its outbox.
    await waitFor(
      'the outbox to drain',
      async () =>
        (await system.db.selectFrom('outbox').select('id').where('published_at', 'is', null).execute())
          .length === 0,
      10_000,
    );
  }, 120_000);
});
