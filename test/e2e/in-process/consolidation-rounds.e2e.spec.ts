import { randomBytes, randomUUID } from 'node:crypto';
import {
  createTestDatabase,
  createTestNats,
  type TestDatabase,
  type TestNats,
  eventually,
  readStream,
  waitForConsumerIdle,
  writeGatherHandlerModule,
} from '@tributary/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { parsePipelineSpec } from '@tributary/domain';
import { createDb, migrateToLatest, savePipelineVersion, type Database } from '@tributary/event-store';
import { decodeRunEvents, encodeTriggerRun, jsonToBytes } from '@tributary/events';
import { publish } from '@tributary/messaging';
import { loadConfig, sendOperatorCommand, type RunningService } from '@tributary/runtime';
// The planner, fan-in and consolidator in ONE test process (the process-level suite is search-quality.e2e.spec.ts):
// close enough to inspect rounds, replays and clears of the consolidation itself.
import { startPlanner } from '@tributary/planner';
import { FAN_IN_DURABLE, startFanIn } from '@tributary/fan-in';
import { CONSOLIDATOR_DURABLE, startConsolidator } from '@tributary/consolidator';
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
      - id: score
        executor: echo
        with: { value: "\${{ upstream.fetch + '-scored' }}" }
consolidate:
  executor: gather
  triggerRule: all_done
`;

describe('planner → executor → fan-in → consolidator → planner (all real but the executor)', () => {
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

  const infra = () => services[0]!.infra;
  const runState = async (runId: string) =>
    (await db.selectFrom('runs').select('state').where('run_id', '=', runId).executeTakeFirst())?.state;
  const consolidationRounds = async (runId: string) =>
    (
      await db
        .selectFrom('event_log')
        .select(['payload'])
        .where('run_id', '=', runId)
        .where('type', '=', 'ConsolidationTriggered')
        .orderBy('run_seq')
        .execute()
    ).map((r) => (r.payload as { round: number }).round);
  const fanInMessages = (runId: string) =>
    readStream(
      infra().nc,
      infra().jsm,
      infra().streams.EVENTS.name,
      infra().subjects.consolidationDue(runId),
    );
  const consolidateRow = (runId: string) =>
    db
      .selectFrom('task_instances')
      .select(['state', 'attempt', 'output', 'executor'])
      .where('run_id', '=', runId)
      .where('task_id', '=', 'consolidate')
      .executeTakeFirstOrThrow();
  const idle = async () => {
    const events = infra().streams.EVENTS.name;
    await waitForConsumerIdle(infra().jsm, events, FAN_IN_DURABLE);
    await waitForConsumerIdle(infra().jsm, events, CONSOLIDATOR_DURABLE);
  };

  it('consolidates exactly once with every group, ends the run success; replayed group events change nothing; clears run rounds 2 and 3', async () => {
    const pipelineId = `e2e-${randomBytes(3).toString('hex')}`;
    const yaml = pipelineYaml(pipelineId);
    const parsed = parsePipelineSpec(yaml, 'yaml');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    await savePipelineVersion(db, { spec: parsed.spec, source: yaml, createdBy: 'test' });

    const runId = randomUUID();
    await publish(
      infra().js,
      infra().subjects.trigger(pipelineId),
      encodeTriggerRun({
        pipelineId,
        runId,
        paramsJson: jsonToBytes({ markets: ['LU', 'PT'] }),
        idempotencyKey: `key-${runId}`,
        actor: 'e2e',
      }),
      { msgId: `trigger-${runId}` },
    );

    await eventually(async () => expect(await runState(runId)).toBe('success'), 20_000);
    expect(await consolidationRounds(runId)).toEqual([1]);
    const consolidated = await consolidateRow(runId);
    expect(consolidated).toMatchObject({ state: 'success', attempt: 1, executor: 'gather' });
    expect(consolidated.output).toEqual({
      attempt: 1,
      input: {},
      groups: [
        { path: 'market=LU', state: 'success', outputs: { fetch: 'LU', score: 'LU-scored' } },
        { path: 'market=PT', state: 'success', outputs: { fetch: 'PT', score: 'PT-scored' } },
      ],
    });
    expect(await fanInMessages(runId)).toHaveLength(1);

    // Replay every group event of the run (as a re-published outbox or a second EVENTS writer would).
    const groupEvents = await readStream(
      infra().nc,
      infra().jsm,
      infra().streams.EVENTS.name,
      `${infra().subjects.prefix}.event.group.${runId}.*`,
    );
    // The planner sends a commit's group events as one EventBatch: count the events, not the messages.
    const replayed = groupEvents.flatMap((m) => {
      const decoded = decodeRunEvents(m.subject, m.data);
      if (!decoded.ok) throw decoded.error;
      return decoded.events.map((e) => e.event.type);
    });
    expect(replayed).toEqual(expect.arrayContaining(['GroupsExpanded', 'GroupCompleted', 'GroupCompleted']));
    expect(replayed.filter((type) => type === 'GroupCompleted')).toHaveLength(2);
    for (const m of groupEvents)
      await publish(infra().js, m.subject, m.data, { msgId: `${m.headers['nats-msg-id']}:replay` });
    await idle();
    expect(await fanInMessages(runId)).toHaveLength(1);
    expect(await consolidationRounds(runId)).toEqual([1]);
    expect(await runState(runId)).toBe('success');

    // An operator clears one group's task (with downstream): the group reopens, runs again, and the
    // consolidation runs again as round 2 — once.
    const reply = await sendOperatorCommand(infra().nc, infra().subjects.prefix, {
      type: 'ClearTaskInstances',
      runId,
      taskIds: ['market=PT/score'],
      downstream: true,
      onlyFailed: false,
      actor: 'e2e',
      reason: 'rerun PT',
    });
    expect(reply.ok).toBe(true);
    await eventually(async () => {
      expect(await consolidationRounds(runId)).toEqual([1, 2]);
      expect(await runState(runId)).toBe('success');
    }, 20_000);
    await idle();
    expect(await fanInMessages(runId)).toHaveLength(2);
    expect(await consolidateRow(runId)).toMatchObject({ state: 'success', attempt: 2 });

    // Retrying only the consolidation (no group reopens) runs it again too: round 3.
    const retry = await sendOperatorCommand(infra().nc, infra().subjects.prefix, {
      type: 'ClearTaskInstances',
      runId,
      taskIds: ['consolidate'],
      downstream: false,
      onlyFailed: false,
      actor: 'e2e',
      reason: 'retry the consolidation',
    });
    expect(retry.ok).toBe(true);
    await eventually(async () => {
      expect(await consolidationRounds(runId)).toEqual([1, 2, 3]);
      expect(await runState(runId)).toBe('success');
    }, 20_000);
    expect(await consolidateRow(runId)).toMatchObject({ state: 'success', attempt: 3 });
  });
});
