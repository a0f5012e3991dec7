import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  createTestNats,
  type TestDatabase,
  type TestNats,
  eventually,
  readStream,
  waitForConsumerIdle,
} from '@tributary/testing';
import type { Kysely } from 'kysely';
import { createDb, migrateToLatest, type Database, type StoredEvent } from '@tributary/event-store';
import { decodeConsolidationDue, GroupState } from '@tributary/events';
import { loadConfig, type RunningService, PlanCache } from '@tributary/runtime';
import { startFanIn } from './fan-in.js';
import { FAN_IN_DURABLE } from './fan-in.consumers.js';
import { consolidationDueMsgId } from './consolidation-due.js';
import { FanInStore } from './fan-in.store.js';
import { isGroupEvent, publishEvents, RecordedRun } from '@tributary/run-fixtures';

const PIPELINE = `
id: fanin-int
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
      - id: score
        executor: echo
  - group: shard
    over: [1, 2]
    dependsOn: []
    stages:
      - id: work
        executor: echo
consolidate:
  executor: echo
  triggerRule: all_done
`;

const NO_CONSOLIDATION = `
id: fanin-int-plain
stages:
  - group: shard
    over: [1, 2]
    stages:
      - id: work
        executor: echo
`;

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('fan-in service (Postgres + NATS JetStream)', () => {
  let database: TestDatabase;
  let nats: TestNats;
  let db: Kysely<Database>;
  let service: RunningService;

  beforeAll(async () => {
    database = await createTestDatabase();
    nats = await createTestNats();
    db = createDb(database.url);
    await migrateToLatest(db);
    const config = loadConfig(
      {},
      { subjectPrefix: nats.prefix, databaseUrl: database.url, natsUrl: nats.url, host: 'fan-in-test' },
    );
    service = await startFanIn(config);
  });

  afterAll(async () => {
    await service?.stop();
    await db?.destroy();
    await nats?.cleanup();
    await database?.drop();
  });

  const events = () => service.infra.streams.EVENTS.name;
  const rounds = async (runId: string) =>
    (
      await readStream(
        service.infra.nc,
        service.infra.jsm,
        events(),
        service.infra.subjects.consolidationDue(runId),
      )
    ).map((m) => {
      const decoded = decodeConsolidationDue(m.data);
      if (!decoded.ok) throw decoded.error;
      return { due: decoded.value, headers: m.headers };
    });
  const publish = (list: readonly StoredEvent[], options?: { msgIdSuffix?: string; traceparent?: string }) =>
    publishEvents(service.infra.js, service.infra.subjects, list, options);
  const idle = () => waitForConsumerIdle(service.infra.jsm, events(), FAN_IN_DURABLE);

  it('emits ONE ConsolidationDue once every top-level group is terminal; replays add none', async () => {
    const run = await RecordedRun.start(db, PIPELINE, { markets: ['LU', 'PT'] });
    await run.drive((taskId) =>
      taskId === 'market=PT/score' ? { outcome: 'failed' } : { outcome: 'success' },
    );
    const groupEvents = run.stored.filter(isGroupEvent);
    expect(groupEvents.map((e) => e.type)).toContain('GroupCompleted');
    await publish(groupEvents, { traceparent: TRACEPARENT });

    const [first, ...others] = await eventually(async () => {
      const found = await rounds(run.runId);
      expect(found).toHaveLength(1);
      return found;
    });
    expect(others).toEqual([]);
    const lastCompletion = groupEvents.filter((e) => e.type === 'GroupCompleted').at(-1)!;
    expect(first!.due).toMatchObject({
      runId: run.runId,
      round: 1,
      groups: [
        { path: 'market=LU', state: GroupState.SUCCESS },
        { path: 'market=PT', state: GroupState.FAILED },
        { path: 'shard=1', state: GroupState.SUCCESS },
        { path: 'shard=2', state: GroupState.SUCCESS },
      ],
    });
    expect(first!.due).toMatchObject({
      runSeq: BigInt(lastCompletion.runSeq),
      traceId: '0af7651916cd43dd8448eb211c80319c',
    });
    expect(first!.headers['nats-msg-id']).toBe(consolidationDueMsgId(run.runId, 1));
    expect(first!.headers['traceparent']).toContain('0af7651916cd43dd8448eb211c80319c');

    // The same events again (new message ids, so JetStream delivers them), in reverse order, twice.
    await publish([...groupEvents].reverse(), { msgIdSuffix: ':replay-1' });
    await publish(groupEvents, { msgIdSuffix: ':replay-2' });
    await idle();
    expect(await rounds(run.runId)).toHaveLength(1);
    const row = await db
      .selectFrom('fan_in_runs')
      .selectAll()
      .where('run_id', '=', run.runId)
      .executeTakeFirst();
    expect(row).toMatchObject({ blocks_total: 2, blocks_seen: 2, open_groups: 0, round: 1, armed: false });
    const outbox = await db
      .selectFrom('outbox')
      .select(['msg_id', 'published_at'])
      .where('msg_id', 'like', `fan-in:${run.runId}:%`)
      .execute();
    expect(outbox).toEqual([{ msg_id: consolidationDueMsgId(run.runId, 1), published_at: expect.any(Date) }]);
  });

  it('a clear reopens a group: the next time all are terminal is round 2, exactly once', async () => {
    const run = await RecordedRun.start(db, PIPELINE, { markets: ['LU'] });
    await run.drive();
    await publish(run.stored.filter(isGroupEvent));
    await eventually(async () => expect(await rounds(run.runId)).toHaveLength(1));

    const cleared = await run.send({
      type: 'ClearTaskInstances',
      runId: run.runId,
      taskIds: ['market=LU/score'],
      downstream: true,
      onlyFailed: false,
      actor: 'operator',
      reason: 'rerun',
    });
    expect(cleared.map((e) => e.type)).toContain('GroupReopened');
    const rerun = await run.drive();
    await publish([...cleared, ...rerun].filter(isGroupEvent));
    const found = await eventually(async () => {
      const list = await rounds(run.runId);
      expect(list).toHaveLength(2);
      return list;
    });
    expect(found.map((r) => r.due.round)).toEqual([1, 2]);
    expect(found[1]!.headers['nats-msg-id']).toBe(consolidationDueMsgId(run.runId, 2));

    await publish(run.stored.filter(isGroupEvent), { msgIdSuffix: ':replay' });
    await idle();
    expect(await rounds(run.runId)).toHaveLength(2);
  });

  it('a consolidation cleared on its own (no group reopens) gets the next round once its last one was recorded', async () => {
    const run = await RecordedRun.start(db, PIPELINE, { markets: ['LU'] });
    await run.drive();
    await publish(run.stored.filter(isGroupEvent));
    await eventually(async () => expect(await rounds(run.runId)).toHaveLength(1));
    const store = new FanInStore(db, service.infra.subjects, new PlanCache(db));
    // Round 1 is on its way (not recorded by the planner yet): nothing to re-fire.
    expect((await store.fireClearedConsolidations()).flatMap((o) => o.rounds)).toEqual([]);

    await run.send({
      type: 'RecordConsolidationResult',
      runId: run.runId,
      round: 1,
      outcome: 'failed',
      error: { message: 'boom', type: 'Error', retryable: false },
      host: 'consolidator',
      startedAt: run.now,
      finishedAt: run.now,
    });
    expect(run.state.run.status).toBe('failed');
    const cleared = await run.send({
      type: 'ClearTaskInstances',
      runId: run.runId,
      taskIds: ['consolidate'],
      downstream: false,
      onlyFailed: false,
      actor: 'operator',
      reason: 'retry the consolidation',
    });
    expect(cleared.filter(isGroupEvent)).toEqual([]);
    const found = await eventually(async () => {
      const list = await rounds(run.runId);
      expect(list).toHaveLength(2);
      return list;
    });
    expect(found[1]!.due).toMatchObject({ runId: run.runId, round: 2, groups: expect.any(Array) });
    expect(found[1]!.headers['nats-msg-id']).toBe(consolidationDueMsgId(run.runId, 2));
    expect((await store.fireClearedConsolidations()).flatMap((o) => o.rounds)).toEqual([]);
    expect(await rounds(run.runId)).toHaveLength(2);
  });

  it('counts correctly when completions arrive before their expansion (out of order)', async () => {
    const run = await RecordedRun.start(db, PIPELINE, { markets: ['LU', 'PT', 'GR'] });
    await run.drive();
    await publish(run.stored.filter(isGroupEvent).reverse());
    const [only] = await eventually(async () => {
      const list = await rounds(run.runId);
      expect(list).toHaveLength(1);
      return list;
    });
    expect(only!.due.groups).toHaveLength(5);
    await idle();
    expect(await rounds(run.runId)).toHaveLength(1);
  });

  it('leaves runs it does not consolidate alone: planner-consolidated, or without a consolidation', async () => {
    const byPlanner = await RecordedRun.start(
      db,
      PIPELINE,
      { markets: ['LU'] },
      { consolidationVia: 'planner' },
    );
    await byPlanner.drive();
    const plain = await RecordedRun.start(db, NO_CONSOLIDATION, {});
    await plain.drive();
    await publish([...byPlanner.stored, ...plain.stored].filter(isGroupEvent));
    await idle();
    expect(await rounds(byPlanner.runId)).toEqual([]);
    expect(await rounds(plain.runId)).toEqual([]);
    const rows = await db
      .selectFrom('fan_in_runs')
      .select(['run_id', 'blocks_total'])
      .where('run_id', 'in', [byPlanner.runId, plain.runId])
      .execute();
    expect(rows.map((r) => r.blocks_total)).toEqual([0, 0]);
    expect(
      await db.selectFrom('fan_in_groups').select('path').where('run_id', '=', plain.runId).execute(),
    ).toEqual([]);
  });
});
