import { randomBytes, randomUUID } from 'node:crypto';
import {
  createTestDatabase,
  createTestNats,
  type TestDatabase,
  type TestNats,
  eventually,
  writeGatherHandlerModule,
} from '@tributary/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { parsePipelineSpec } from '@tributary/domain';
import { createDb, migrateToLatest, savePipelineVersion, type Database } from '@tributary/event-store';
import { encodeTriggerRun, jsonToBytes } from '@tributary/events';
import { publish } from '@tributary/messaging';
import { loadConfig, type RunningService } from '@tributary/runtime';
// The planner, fan-in and consolidator in ONE test process, as in consolidation-rounds.e2e.spec.ts.
import { startPlanner } from '@tributary/planner';
import { startFanIn } from '@tributary/fan-in';
import { startConsolidator } from '@tributary/consolidator';
import { startFakeExecutor } from './fake-executor.js';

const pipelineYaml = (id: string) => `
id: ${id}
params:
  type: object
  required: [markets]
  properties: { markets: { type: array, items: { type: string } } }
stages:
  - group: market
    over: params.markets
    stages:
      - id: fetch
        executor: echo
        with: { value: "\${{ group.key }}" }
consolidate:
  executor: report-not-deployed
  triggerRule: all_done
  retries: 2
  retryDelay: 300ms
`;

describe('a consolidation whose handler is not loaded on the consolidator host (issue #8; planner, fan-in, consolidator)', () => {
  let database: TestDatabase;
  let nats: TestNats;
  let db: Kysely<Database>;
  let handlers: { path: string; remove(): void };
  const services: RunningService[] = [];
  let executor: { stop(): Promise<void> } | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    nats = await createTestNats();
    db = createDb(database.url);
    await migrateToLatest(db);
    // The consolidator host loads `gather`, not the `report-not-deployed` the pipeline names.
    handlers = writeGatherHandlerModule();
    const config = loadConfig(
      { TRIBUTARY_HANDLERS: handlers.path },
      { subjectPrefix: nats.prefix, databaseUrl: database.url, natsUrl: nats.url, host: 'e2e' },
    );
    services.push(await startPlanner(config));
    services.push(await startFanIn(config));
    services.push(await startConsolidator(config));
    executor = await startFakeExecutor(services[0]!.infra);
  });

  afterAll(async () => {
    await executor?.stop();
    for (const service of services.reverse()) await service.stop();
    await db?.destroy();
    await nats?.cleanup();
    await database?.drop();
    handlers?.remove();
  });

  it('is tried 1 + retries times, retryDelay apart, then fails the run with the error recorded — not at once', async () => {
    const infra = services[0]!.infra;
    const pipelineId = `e2e-missing-${randomBytes(3).toString('hex')}`;
    const yaml = pipelineYaml(pipelineId);
    const parsed = parsePipelineSpec(yaml, 'yaml');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    await savePipelineVersion(db, { spec: parsed.spec, source: yaml, createdBy: 'test' });

    const runId = randomUUID();
    await publish(
      infra.js,
      infra.subjects.trigger(pipelineId),
      encodeTriggerRun({
        pipelineId,
        runId,
        paramsJson: jsonToBytes({ markets: ['LU', 'PT'] }),
        idempotencyKey: `key-${runId}`,
        actor: 'e2e',
      }),
      { msgId: `trigger-${runId}` },
    );

    await eventually(async () => {
      const run = await db.selectFrom('runs').select('state').where('run_id', '=', runId).executeTakeFirst();
      expect(run?.state).toBe('failed');
    }, 20_000);

    const groups = await db
      .selectFrom('groups')
      .select(['path', 'state'])
      .where('run_id', '=', runId)
      .execute();
    expect(groups.every((g) => g.state === 'success')).toBe(true);
    const consolidate = await db
      .selectFrom('task_instances')
      .select(['state', 'attempt', 'executor', 'error'])
      .where('run_id', '=', runId)
      .where('task_id', '=', 'consolidate')
      .executeTakeFirstOrThrow();
    expect(consolidate).toMatchObject({ state: 'failed', attempt: 1, executor: 'report-not-deployed' });
    expect(consolidate.error).toMatchObject({ type: 'HandlerNotFound', retryable: true });
    expect((consolidate.error as { message: string }).message).toMatch(
      /^no handler for executor "report-not-deployed" on consolidator host e2e; known: .*gather.*\. Add the module that defines it to TRIBUTARY_HANDLERS of the consolidator$/,
    );

    // Three tries, two waits of 300 ms: the attempt spans at least 600 ms, each failed try in its log.
    const events = await db
      .selectFrom('event_log')
      .select(['type', 'payload'])
      .where('run_id', '=', runId)
      .where('type', 'in', ['ConsolidationTriggered', 'TaskInstanceStarted', 'TaskInstanceFailed'])
      .orderBy('run_seq')
      .execute();
    expect(events.filter((e) => e.type === 'ConsolidationTriggered')).toHaveLength(1);
    const at = (type: string) =>
      (
        events.find((e) => e.type === type && (e.payload as { taskId?: string }).taskId === 'consolidate')!
          .payload as { at: number }
      ).at;
    expect(at('TaskInstanceFailed') - at('TaskInstanceStarted')).toBeGreaterThanOrEqual(600);
    const logs = await db
      .selectFrom('task_logs')
      .select(['level', 'message'])
      .where('run_id', '=', runId)
      .where('task_id', '=', 'consolidate')
      .orderBy('id')
      .execute();
    expect(logs.map((l) => [l.level, l.message])).toEqual([
      [
        'warn',
        expect.stringMatching(
          /^try 1 of 3 failed \(HandlerNotFound: no handler for executor "report-not-deployed".*\); retrying in 300 ms$/,
        ),
      ],
      ['warn', expect.stringMatching(/^try 2 of 3 failed \(HandlerNotFound: .*\); retrying in 300 ms$/)],
    ]);
  });
});
