import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream } from '@nats-io/jetstream';
import { encodeTriggerRun, jsonToBytes, subjects as subjectsOf } from '@tributary/events';
import { eventually } from '@tributary/testing';
import { sql } from 'kysely';
import {
  db,
  nats,
  nc,
  startPlannerWithFakeExecutor,
  stopPlannerWithFakeExecutor,
  waitForState,
} from './test-support/planner-with-fake-executor.js';

describe('planner (in-process) with a fake executor: one bad message or run holds back no other', () => {
  beforeAll(startPlannerWithFakeExecutor, 60_000);
  afterAll(stopPlannerWithFakeExecutor);

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
});
