import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useMigratedDb } from '../test-fixtures/migrated-db.fixture.js';
import { newEvent, newRunId } from '../test-fixtures/new-event.fixture.js';
import { tamperWithEventLog } from '../test-fixtures/tamper-event-log.fixture.js';
import { appendEvents } from './append-events.js';
import { computeEventHash } from './event-hash.js';
import type { StoredEvent } from './stored-event.js';
import { verifyChain } from './verify-chain.js';

describe('verifyChain', () => {
  const db = useMigratedDb();

  const appendRun = async (count: number): Promise<StoredEvent[]> => {
    const runId = newRunId();
    const { appended } = await appendEvents(db(), {
      events: Array.from({ length: count }, (_, i) => newEvent(runId, { payload: { i } })),
    });
    return appended;
  };

  it('accepts an untouched run, across page boundaries, and an unknown run as empty', async () => {
    const events = await appendRun(7);
    expect(await verifyChain(db(), events[0]!.runId, { pageSize: 3 })).toEqual({ ok: true, count: 7 });
    expect(await verifyChain(db(), 'no-such-run')).toEqual({ ok: true, count: 0 });
  });

  it('names the row whose payload was edited by hand', async () => {
    const events = await appendRun(5);
    const target = events[2]!;
    await tamperWithEventLog(
      db(),
      sql`update event_log set payload = ${JSON.stringify({ i: 99 })}::jsonb where seq = ${target.seq}`,
    );

    expect(await verifyChain(db(), target.runId)).toEqual({
      ok: false,
      runSeq: 3,
      seq: target.seq,
      eventId: target.eventId,
      reason: 'hash_mismatch',
      detail: expect.stringContaining(`run_seq 3 (seq ${target.seq})`),
    });
  });

  it('names the next row when an edit came with a recomputed hash', async () => {
    const events = await appendRun(5);
    const target = events[1]!;
    const forged = computeEventHash(target.prevHash, { ...target, payload: { i: 'forged' } });
    await tamperWithEventLog(
      db(),
      sql`update event_log set payload = '{"i":"forged"}'::jsonb, hash = ${forged} where seq = ${target.seq}`,
    );

    expect(await verifyChain(db(), target.runId)).toMatchObject({
      ok: false,
      runSeq: 3,
      seq: events[2]!.seq,
      reason: 'prev_hash_mismatch',
    });
  });

  it('names the row after a deleted one', async () => {
    const events = await appendRun(5);
    await tamperWithEventLog(db(), sql`delete from event_log where seq = ${events[1]!.seq}`);
    expect(await verifyChain(db(), events[0]!.runId)).toMatchObject({
      ok: false,
      runSeq: 3,
      seq: events[2]!.seq,
      eventId: events[2]!.eventId,
      reason: 'run_seq_gap',
    });
  });

  it('notices rows deleted at the end through the run head', async () => {
    const events = await appendRun(4);
    await tamperWithEventLog(db(), sql`delete from event_log where seq = ${events[3]!.seq}`);
    expect(await verifyChain(db(), events[0]!.runId)).toMatchObject({
      ok: false,
      runSeq: 4,
      seq: null,
      eventId: null,
      reason: 'head_mismatch',
    });
  });

  it('notices an edited timestamp, which jsonb-only checks would miss', async () => {
    const events = await appendRun(2);
    await tamperWithEventLog(
      db(),
      sql`update event_log set occurred_at = occurred_at + interval '1 second' where seq = ${events[0]!.seq}`,
    );
    expect(await verifyChain(db(), events[0]!.runId)).toMatchObject({
      ok: false,
      runSeq: 1,
      reason: 'hash_mismatch',
    });
  });
});
