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
import {
  createTestDatabase,
  createTestNats,
  eventually,
  type TestDatabase,
  type TestNats,
} from '@tributary/testing';
import {
  decodeOperatorReply,
  loadConfig,
  sendOperatorCommand,
  type OperatorCommand,
  type RunningService,
} from '@tributary/runtime';
import { sql, type Kysely } from 'kysely';
import { startPlanner } from './planner.js';
import { PlannerService } from './planner.service.js';
import { fakeExecutor } from './test-support/fake-executor.js';

const SPEC = `
id: fanout
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

const RETRYING = `
id: retrying
defaults: { retries: 1, retryDelay: 1500ms }
stages:
  - { id: flaky, executor: fake }
`;

const WIDE = `
id: wide
stages:
  - { id: only, executor: fake }
`;

const SERIAL = `
id: serial
limits: { maxActiveRuns: 1 }
stages:
  - { id: only, executor: fake }
`;

describe('planner (in-process) with a fake executor', () => {
  let database: TestDatabase;
  let nats: TestNats;
  let db: Kysely<Database>;
  let nc: NatsConnection;
  let planner: RunningService;
  const failures = new Set<string>(['shard=2/b[1]']);

  beforeAll(async () => {
    database = await createTestDatabase();
    nats = await createTestNats();
    db = createDb(database.url);
    await migrateToLatest(db);
    for (const source of [SPEC, SERIAL, RETRYING, WIDE]) {
      const parsed = parsePipelineSpec(source);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
      await savePipelineVersion(db, { spec: parsed.spec, source, createdBy: 'test' });
    }
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
    await fakeExecutor(nc, nats.prefix, (taskId, attempt, runId) => {
      if (runId === 'run-output-nul') return { ok: true, output: { items: ['x', 'a\u0000b'] } };
      if (runId === 'run-host-nul') return { ok: true, output: 1, host: 'te\u0000st' };
      if (failures.has(taskId)) return { ok: false };
      if (taskId === 'flaky' && attempt === 1) return { ok: false };
      return { ok: true, output: taskId === 'prepare' ? [1, 2] : taskId };
    });
  }, 60_000);

  afterAll(async () => {
    await nc?.close();
    await planner?.stop();
    await db?.destroy();
    await nats?.cleanup();
    await database?.drop();
  });

  const runState = async (runId: string) =>
    (await db.selectFrom('runs').select('state').where('run_id', '=', runId).executeTakeFirst())?.state;
  const waitForState = async (runId: string, states: string[]) => {
    for (let i = 0; i < 300; i++) {
      const state = await runState(runId);
      if (state && states.includes(state)) return state;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`run ${runId} stayed ${await runState(runId)}`);
  };

  it('starts many triggers in one commit, and a trigger whose run cannot be written holds back none of the others', async () => {
    const js = jetstream(nc);
    const trigger = (runId: string, params: unknown) =>
      js.publish(
        subjectsOf(nats.prefix).trigger('serial'),
        encodeTriggerRun({ runId, pipelineId: 'serial', paramsJson: jsonToBytes(params), actor: 'test' }),
        { msgID: `t-${runId}` },
      );
    const ids = Array.from({ length: 6 }, (_, i) => `run-batch-${i}`);
    await Promise.all(ids.map((runId) => trigger(runId, {})));
    for (const runId of ids) expect(await waitForState(runId, ['success', 'failed'])).toBe('success');
    // Triggers that arrived together were started by fewer transactions than triggers.
    const created = await db
      .selectFrom('event_log')
      .select(['run_id', 'recorded_at'])
      .where('run_id', 'in', ids)
      .where('run_seq', '=', 1)
      .execute();
    expect(created).toHaveLength(ids.length);
    expect(new Set(created.map((row) => row.recorded_at.getTime())).size).toBeLessThan(ids.length);

    // A NUL character cannot be stored in jsonb: this trigger is recorded as rejected, saying where and why.
    const bad = 'run-batch-bad';
    const others = ['run-batch-after-1', 'run-batch-after-2'];
    await Promise.all([trigger(others[0]!, {}), trigger(bad, { s: 'a\u0000b' }), trigger(others[1]!, {})]);
    for (const runId of others) expect(await waitForState(runId, ['success', 'failed'])).toBe('success');
    expect(await waitForState(bad, ['rejected'])).toBe('rejected');
    const rejected = await db
      .selectFrom('runs')
      .select('reason')
      .where('run_id', '=', bad)
      .executeTakeFirstOrThrow();
    expect(rejected.reason).toBe('string contains the NUL character (\\u0000) at index 1');
    const [event] = await db.selectFrom('event_log').select('payload').where('run_id', '=', bad).execute();
    expect((event!.payload as { issues: unknown }).issues).toEqual([
      { path: '/params/s', message: 'string contains the NUL character (\\u0000) at index 1' },
    ]);
  });

  it('an undecodable trigger or result is terminated and recorded in dead_letters; the next message is handled', async () => {
    const js = jetstream(nc);
    const s = subjectsOf(nats.prefix);
    await js.publish(s.trigger('serial'), new TextEncoder().encode('{"not":"protobuf"}'), {
      msgID: 'garbage-t',
    });
    await js.publish(s.result('run-garbage'), new Uint8Array([0xff, 0xff, 0xff]), { msgID: 'garbage-r' });
    await js.publish(
      s.trigger('serial'),
      encodeTriggerRun({
        runId: 'run-after-garbage',
        pipelineId: 'serial',
        paramsJson: jsonToBytes({}),
        actor: 'test',
      }),
      { msgID: 't-run-after-garbage' },
    );
    expect(await waitForState('run-after-garbage', ['success', 'failed'])).toBe('success');
    const letters = await eventually(async () => {
      const rows = await db
        .selectFrom('dead_letters')
        .select(['service', 'subject', 'reason', 'msg_id'])
        .where('service', '=', 'planner')
        .orderBy('subject')
        .execute();
      expect(rows).toHaveLength(2);
      return rows;
    }, 10_000);
    expect(letters.map((l) => [l.subject, l.msg_id])).toEqual([
      [s.result('run-garbage'), 'garbage-r'],
      [s.trigger('serial'), 'garbage-t'],
    ]);
    for (const letter of letters) expect(letter.reason).not.toBe('');
  });

  it('one run whose result Postgres cannot store fails only its own attempt: 20 other runs finish alongside', async () => {
    const js = jetstream(nc);
    const trigger = (runId: string) =>
      js.publish(
        subjectsOf(nats.prefix).trigger('wide'),
        encodeTriggerRun({ runId, pipelineId: 'wide', paramsJson: jsonToBytes({}), actor: 'test' }),
        { msgID: `t-${runId}` },
      );
    // Stands for any write Postgres refuses for good that no edge check foresaw.
    await sql`
      create function refuse_one_run() returns trigger language plpgsql as $$
      begin
        if new.run_id = 'run-db-refuses' and new.type = 'TaskInstanceSucceeded' then
          raise exception 'refused by the test trigger' using errcode = '22023';
        end if;
        return new;
      end $$;
      create trigger refuse_one_run before insert on event_log for each row execute function refuse_one_run();
    `.execute(db);
    const others = Array.from({ length: 20 }, (_, i) => `run-wide-${i}`);
    const started = Date.now();
    await Promise.all(['run-output-nul', 'run-host-nul', 'run-db-refuses', ...others].map(trigger));
    for (const runId of others) expect(await waitForState(runId, ['success', 'failed'])).toBe('success');
    // Without a redelivery in between (the first one waits a second or more).
    expect(Date.now() - started).toBeLessThan(5_000);
    // The output with a NUL: refused at the planner's edge, this attempt failed saying where and why.
    expect(await waitForState('run-output-nul', ['success', 'failed'])).toBe('failed');
    const error = async (runId: string) =>
      (
        await db
          .selectFrom('task_instances')
          .select('error')
          .where('run_id', '=', runId)
          .where('task_id', '=', 'only')
          .executeTakeFirstOrThrow()
      ).error;
    expect(await error('run-output-nul')).toEqual({
      message: 'output/items/1: string contains the NUL character (\\u0000) at index 1',
      type: 'OutputError',
      retryable: false,
    });
    // Free text is repaired, not refused: the host name is stored with U+FFFD for the NUL.
    expect(await waitForState('run-host-nul', ['success', 'failed'])).toBe('success');
    const started_ = await db
      .selectFrom('event_log')
      .select('payload')
      .where('run_id', '=', 'run-host-nul')
      .where('type', '=', 'TaskInstanceStarted')
      .executeTakeFirstOrThrow();
    expect((started_.payload as { host: string }).host).toBe('te\ufffdst');
    // The database refuses that run's write: only that run's attempt is recorded as failed, with the reason.
    expect(await waitForState('run-db-refuses', ['success', 'failed'])).toBe('failed');
    expect(await error('run-db-refuses')).toEqual({
      type: 'StorageError',
      retryable: false,
      message: expect.stringMatching(
        /^the attempt's result could not be stored: .*refused by the test trigger/,
      ),
    });
    await sql`drop trigger refuse_one_run on event_log; drop function refuse_one_run();`.execute(db);
  });

  it('turns a trigger into a run, fails the one failing index, and a clear over the control subject finishes it', async () => {
    const js = jetstream(nc);
    const runId = 'run-planner-1';
    await js.publish(
      subjectsOf(nats.prefix).trigger('fanout'),
      encodeTriggerRun({ runId, pipelineId: 'fanout', paramsJson: jsonToBytes({}), actor: 'test' }),
      { msgID: `t-${runId}` },
    );
    expect(await waitForState(runId, ['success', 'failed'])).toBe('failed');
    const tasks = await db
      .selectFrom('task_instances')
      .select(['task_id', 'state'])
      .where('run_id', '=', runId)
      .orderBy('task_id')
      .execute();
    const stateOf = (id: string) => tasks.find((t) => t.task_id === id)?.state;
    expect(stateOf('shard=2/b[1]')).toBe('failed');
    expect(stateOf('shard=2/c')).toBe('upstream_failed');
    expect(stateOf('shard=1/c')).toBe('success');
    expect(tasks).toHaveLength(1 + 2 * (1 + 3 + 1));

    failures.clear();
    const clear = {
      type: 'ClearTaskInstances' as const,
      runId,
      taskIds: ['shard=2/b[1]'],
      downstream: true,
      onlyFailed: false,
      actor: 'alice',
      reason: 'fixed',
    } satisfies OperatorCommand;
    // A dry run names the instances from the run's state and writes nothing; the clear then names the same.
    const logSize = async () =>
      (await db.selectFrom('event_log').select('seq').where('run_id', '=', runId).execute()).length;
    const before = await logSize();
    const dry = await sendOperatorCommand(nc, nats.prefix, { ...clear, dryRun: true });
    if (!dry.ok) throw new Error(dry.error.message);
    expect(dry.taskIds).toEqual(expect.arrayContaining(['shard=2/b[1]', 'shard=2/c']));
    expect(dry.taskIds.filter((id) => id.startsWith('shard=1/'))).toEqual([]);
    expect(await logSize()).toBe(before);
    const reply = await sendOperatorCommand(nc, nats.prefix, clear);
    expect(reply).toEqual({ ok: true, taskIds: dry.taskIds });
    expect(await waitForState(runId, ['success'])).toBe('success');
    expect(await verifyChain(db, runId)).toMatchObject({ ok: true });
    const logs = await db
      .selectFrom('task_logs')
      .select(['task_id', 'message'])
      .where('run_id', '=', runId)
      .where('task_id', '=', 'shard=1/b[2]')
      .execute();
    expect(logs.map((l) => l.message)).toEqual(['ran shard=1/b[2] with item 3']);
    const refused = await sendOperatorCommand(nc, nats.prefix, {
      type: 'ClearTaskInstances',
      runId,
      taskIds: ['nope'],
      downstream: true,
      onlyFailed: false,
      actor: 'alice',
      reason: 'x',
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'unknown_task' } });
    // A control request that is not an OperatorCommandRequest is answered invalid_request, naming why.
    const control = subjectsOf(nats.prefix).control(runId);
    const garbled = decodeOperatorReply((await nc.request(control, new Uint8Array([0x0a, 0x7f]))).data);
    expect(garbled).toEqual({
      ok: true,
      reply: {
        ok: false,
        error: {
          code: 'invalid_request',
          message: expect.stringMatching(
            /^Cannot decode tributary\.v1\.OperatorCommandRequest from 2 bytes: /,
          ),
        },
      },
    });
    const empty = decodeOperatorReply((await nc.request(control, new Uint8Array(0))).data);
    expect(empty).toEqual({
      ok: true,
      reply: {
        ok: false,
        error: {
          code: 'invalid_request',
          message: 'command is not set: expected one of clear, mark, cancel',
        },
      },
    });
  }, 60_000);

  it('records a trigger for an unknown pipeline as TriggerRejected, and a repeated trigger is one run', async () => {
    const js = jetstream(nc);
    await js.publish(
      subjectsOf(nats.prefix).trigger('nope'),
      encodeTriggerRun({ runId: 'run-rejected', pipelineId: 'nope', paramsJson: jsonToBytes({}) }),
      { msgID: 't-rejected' },
    );
    expect(await waitForState('run-rejected', ['rejected'])).toBe('rejected');
    const events = await db
      .selectFrom('event_log')
      .select(['type', 'payload'])
      .where('run_id', '=', 'run-rejected')
      .execute();
    expect(events.map((e) => e.type)).toEqual(['TriggerRejected']);

    for (const id of ['a', 'b']) {
      await js.publish(
        subjectsOf(nats.prefix).trigger('fanout'),
        encodeTriggerRun({ pipelineId: 'fanout', idempotencyKey: 'same-key', paramsJson: jsonToBytes({}) }),
        { msgID: `dup-${id}` },
      );
    }
    for (let i = 0; i < 100; i++) {
      const rows = await db
        .selectFrom('runs')
        .select(['run_id', 'state'])
        .where('idempotency_key', '=', 'same-key')
        .execute();
      if (rows.length === 1 && rows[0]!.state === 'success') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const runs = await db
      .selectFrom('runs')
      .select('run_id')
      .where('idempotency_key', '=', 'same-key')
      .execute();
    expect(runs).toHaveLength(1);
    const accepted = await db
      .selectFrom('event_log')
      .select('type')
      .where('run_id', '=', runs[0]!.run_id)
      .where('type', '=', 'TriggerAccepted')
      .execute();
    expect(accepted).toHaveLength(1);
  }, 60_000);

  it('maxActiveRuns: a second run waits, and starts by itself once the first ended', async () => {
    const js = jetstream(nc);
    for (const runId of ['serial-1', 'serial-2']) {
      await js.publish(
        subjectsOf(nats.prefix).trigger('serial'),
        encodeTriggerRun({ runId, pipelineId: 'serial', paramsJson: jsonToBytes({}) }),
        { msgID: `t-${runId}` },
      );
    }
    expect(await waitForState('serial-1', ['success'])).toBe('success');
    expect(await waitForState('serial-2', ['success'])).toBe('success');
    // Triggers are handled concurrently, so either run may be admitted first; what maxActiveRuns
    // guarantees is that they never overlap: the later run queues nothing before the earlier completed.
    const spans = [];
    for (const runId of ['serial-1', 'serial-2']) {
      const rows = await db
        .selectFrom('event_log')
        .select(['seq', 'type'])
        .where('run_id', '=', runId)
        .where('type', 'in', ['TaskInstanceQueued', 'RunCompleted'])
        .orderBy('seq')
        .execute();
      const queued = rows.find((r) => r.type === 'TaskInstanceQueued');
      const done = rows.find((r) => r.type === 'RunCompleted');
      expect(queued, `${runId} queued a task`).toBeDefined();
      expect(done, `${runId} completed`).toBeDefined();
      spans.push({ runId, firstQueued: BigInt(queued!.seq), completed: BigInt(done!.seq) });
    }
    spans.sort((a, b) => (a.firstQueued < b.firstQueued ? -1 : 1));
    expect(spans[1]!.firstQueued).toBeGreaterThan(spans[0]!.completed);
  }, 60_000);

  it('takes up a running run it does not hold (its holder left for good): the pending retry still runs', async () => {
    const js = jetstream(nc);
    const runId = 'orphan-1';
    await js.publish(
      subjectsOf(nats.prefix).trigger('retrying'),
      encodeTriggerRun({ runId, pipelineId: 'retrying', paramsJson: jsonToBytes({}) }),
      { msgID: `t-${runId}` },
    );
    const service = planner.app.get(PlannerService);
    // The first attempt failed; the retry waits 1.5 s. Forget the run, as if another replica had held it
    // and was then removed: nothing else will ever send a message for this run.
    for (let i = 0; i < 100; i++) {
      const retry = await db
        .selectFrom('event_log')
        .select('seq')
        .where('run_id', '=', runId)
        .where('type', '=', 'TaskInstanceUpForRetry')
        .executeTakeFirst();
      if (retry) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    service.runs.evict(runId);
    expect(service.runs.get(runId)).toBeUndefined();
    expect(await waitForState(runId, ['success', 'failed'])).toBe('success');
    const attempts = await db
      .selectFrom('event_log')
      .select(['type', 'attempt'])
      .where('run_id', '=', runId)
      .where('type', 'in', ['TaskInstanceUpForRetry', 'TaskInstanceSucceeded'])
      .orderBy('run_seq')
      .execute();
    expect(attempts).toEqual([
      { type: 'TaskInstanceUpForRetry', attempt: 1 },
      { type: 'TaskInstanceSucceeded', attempt: 2 },
    ]);
  }, 30_000);
});
