import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { parsePipelineSpec } from '@tributary/domain';
import {
  createDb,
  migrateToLatest,
  savePipelineVersion,
  verifyChain,
  type Database,
} from '@tributary/event-store';
import { encodeTriggerRun, jsonToBytes, subjects as subjectsOf } from '@tributary/events';
import { createTestDatabase, createTestNats, type TestDatabase, type TestNats } from '@tributary/testing';
import { loadConfig, type RunningService } from '@tributary/runtime';
import type { Kysely } from 'kysely';
import { startPlanner } from './planner.js';
import { PlannerService } from './planner.service.js';
import { fakeExecutor } from './test-support/fake-executor.js';

/** Two steps per shard, so every run needs several decisions, each after the others' decisions evicted it. */
const SPEC = `
id: evicted
stages:
  - id: prepare
    executor: fake
  - group: shard
    over: upstream.prepare
    stages:
      - { id: a, executor: fake }
      - { id: b, executor: fake, map: '[1, 2, 3]' }
      - { id: c, executor: fake }
`;

describe('planner with a run cache smaller than its work', () => {
  let database: TestDatabase;
  let nats: TestNats;
  let db: Kysely<Database>;
  let nc: NatsConnection;
  let planner: RunningService;
  const saved = process.env.TRIBUTARY_PLANNER_CACHE_MAX_RUNS;

  beforeAll(async () => {
    process.env.TRIBUTARY_PLANNER_CACHE_MAX_RUNS = '2';
    database = await createTestDatabase();
    nats = await createTestNats();
    db = createDb(database.url);
    await migrateToLatest(db);
    const parsed = parsePipelineSpec(SPEC);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    await savePipelineVersion(db, { spec: parsed.spec, source: SPEC, createdBy: 'test' });
    planner = await startPlanner(
      loadConfig(
        {},
        {
          databaseUrl: database.url,
          natsUrl: nats.url,
          subjectPrefix: nats.prefix,
          plannerAdoptEveryMs: 300,
        },
      ),
    );
    nc = await connect({ servers: nats.url });
    await fakeExecutor(nc, nats.prefix, (taskId) => ({
      ok: true,
      output: taskId === 'prepare' ? [1, 2, 3] : taskId,
    }));
  }, 60_000);

  afterAll(async () => {
    if (saved === undefined) delete process.env.TRIBUTARY_PLANNER_CACHE_MAX_RUNS;
    else process.env.TRIBUTARY_PLANNER_CACHE_MAX_RUNS = saved;
    await nc?.close();
    await planner?.stop();
    await db?.destroy();
    await nats?.cleanup();
    await database?.drop();
  });

  it('evicts runs while they run and reloads them from the log: every run ends exactly as with room for all', async () => {
    const service = planner.app.get(PlannerService);
    expect(service.runs.bounds.maxRuns).toBe(2);
    const js = jetstream(nc);
    const runIds = Array.from({ length: 8 }, (_, i) => `evicted-${i}`);
    await Promise.all(
      runIds.map((runId) =>
        js.publish(
          subjectsOf(nats.prefix).trigger('evicted'),
          encodeTriggerRun({ runId, pipelineId: 'evicted', paramsJson: jsonToBytes({}), actor: 'test' }),
          { msgID: `t-${runId}` },
        ),
      ),
    );
    const deadline = Date.now() + 45_000;
    for (;;) {
      const rows = await db
        .selectFrom('runs')
        .select(['run_id', 'state'])
        .where('run_id', 'in', runIds)
        .execute();
      if (rows.length === runIds.length && rows.every((r) => r.state !== 'running')) {
        expect(rows.map((r) => r.state)).toEqual(runIds.map(() => 'success'));
        break;
      }
      if (Date.now() > deadline) throw new Error(`runs still going: ${JSON.stringify(rows)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(service.runs.evictedRunning).toBeGreaterThan(0); // the cache really was too small
    expect(service.runs.size).toBeLessThanOrEqual(2);
    for (const runId of runIds) {
      const tasks = await db
        .selectFrom('task_instances')
        .select(['task_id', 'state', 'attempt'])
        .where('run_id', '=', runId)
        .execute();
      // prepare + 3 shards × (a + b[0..2] + c), each run once, each succeeded.
      expect(tasks).toHaveLength(1 + 3 * 5);
      expect(tasks.every((t) => t.state === 'success' && t.attempt === 1)).toBe(true);
      expect(await verifyChain(db, runId)).toMatchObject({ ok: true });
      // No decision was taken twice: one TaskInstanceSucceeded per instance in the log.
      const succeeded = await db
        .selectFrom('event_log')
        .select('task_id')
        .where('run_id', '=', runId)
        .where('type', '=', 'TaskInstanceSucceeded')
        .execute();
      expect(succeeded).toHaveLength(tasks.length);
    }
  }, 60_000);
});
