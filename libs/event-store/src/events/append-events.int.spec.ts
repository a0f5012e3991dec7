import { describe, expect, it } from 'vitest';
import { EventStoreError } from '../errors/event-store.error.js';
import { useMigratedDb } from '../test-fixtures/migrated-db.fixture.js';
import { newEvent, newRunId } from '../test-fixtures/new-event.fixture.js';
import { appendEvents } from './append-events.js';
import { GENESIS_HASH } from './event-hash.js';
import { readRunEvents } from './read-run-events.js';
import { verifyChain } from './verify-chain.js';

describe('appendEvents', () => {
  const db = useMigratedDb();

  it('numbers a run from 1 and continues across calls, chaining hashes', async () => {
    const runId = newRunId();
    const first = await appendEvents(db(), { events: [newEvent(runId), newEvent(runId)] });
    const second = await appendEvents(db(), { events: [newEvent(runId)] });

    expect(first.appended.map((event) => event.runSeq)).toEqual([1, 2]);
    expect(second.appended.map((event) => event.runSeq)).toEqual([3]);
    expect(first.appended[0]?.prevHash).toBe(GENESIS_HASH);
    expect(first.appended[1]?.prevHash).toBe(first.appended[0]?.hash);
    expect(second.appended[0]?.prevHash).toBe(first.appended[1]?.hash);
    expect(await verifyChain(db(), runId)).toEqual({ ok: true, count: 3 });
  });

  it('returns what it stored, identical to what a read returns', async () => {
    const runId = newRunId();
    const { appended } = await appendEvents(db(), {
      events: [
        newEvent(runId, {
          payload: { b: 1, a: [1, 2], nested: { y: 'y', x: null } },
          taskId: null,
          attempt: null,
        }),
      ],
    });
    const [read] = await readRunEvents(db(), runId);
    expect(read).toEqual(appended[0]);
    expect(typeof read?.seq).toBe('string');
    expect(read?.recordedAt).toBeInstanceOf(Date);
  });

  it('is idempotent by event id: re-appending changes nothing and reports duplicates', async () => {
    const runId = newRunId();
    const events = [newEvent(runId), newEvent(runId), newEvent(runId)];
    await appendEvents(db(), { events });

    const again = await appendEvents(db(), { events });

    expect(again.appended).toEqual([]);
    expect(again.duplicates).toEqual(events.map((event) => event.eventId));
    expect(await readRunEvents(db(), runId)).toHaveLength(3);
    expect(await verifyChain(db(), runId)).toEqual({ ok: true, count: 3 });
  });

  it('appends only the new events of a mixed batch, in order, right after the head', async () => {
    const runId = newRunId();
    const old = [newEvent(runId), newEvent(runId)];
    await appendEvents(db(), { events: old });
    const fresh = [newEvent(runId), newEvent(runId)];

    const result = await appendEvents(db(), { events: [fresh[0]!, old[0]!, fresh[1]!, old[1]!] });

    expect(result.appended.map((event) => [event.eventId, event.runSeq])).toEqual([
      [fresh[0]!.eventId, 3],
      [fresh[1]!.eventId, 4],
    ]);
    expect(result.duplicates).toEqual([old[0]!.eventId, old[1]!.eventId]);
    expect(await verifyChain(db(), runId)).toEqual({ ok: true, count: 4 });
  });

  it('treats an id repeated within one call as a duplicate, and matches ids case-insensitively', async () => {
    const runId = newRunId();
    const event = newEvent(runId);
    const result = await appendEvents(db(), {
      events: [event, { ...event }, { ...event, eventId: event.eventId.toUpperCase() }],
    });
    expect(result.appended).toHaveLength(1);
    expect(result.duplicates).toEqual([event.eventId, event.eventId]);
  });

  it('appends events of 50 runs in one call, each run numbered on its own', async () => {
    const runIds = Array.from({ length: 50 }, (_, i) => newRunId(`batch${i}`));
    // Interleaved like the planner's batches: round-robin over runs, 4 events each.
    const events = Array.from({ length: 4 }, (_, round) =>
      runIds.map((runId) => newEvent(runId, { type: `Step${round}`, payload: { round } })),
    ).flat();

    const { appended, duplicates } = await appendEvents(db(), { events });

    expect(appended).toHaveLength(200);
    expect(duplicates).toEqual([]);
    expect(appended.map((event) => event.eventId)).toEqual(events.map((event) => event.eventId));
    for (const runId of runIds) {
      const stored = await readRunEvents(db(), runId);
      expect(stored.map((event) => [event.runSeq, event.type])).toEqual([
        [1, 'Step0'],
        [2, 'Step1'],
        [3, 'Step2'],
        [4, 'Step3'],
      ]);
      expect(await verifyChain(db(), runId)).toEqual({ ok: true, count: 4 });
    }
    const seqs = appended.map((event) => BigInt(event.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : 1)));
  });

  it('splits large batches over several INSERTs without breaking numbering', async () => {
    const runId = newRunId();
    const events = Array.from({ length: 1234 }, (_, i) => newEvent(runId, { payload: { i } }));
    const { appended } = await appendEvents(db(), { events });
    expect(appended.map((event) => event.runSeq)).toEqual(events.map((_, i) => i + 1));
    expect(await verifyChain(db(), runId, { pageSize: 500 })).toEqual({ ok: true, count: 1234 });
  });

  it('refuses an invalid event before writing anything', async () => {
    const runId = newRunId();
    const attempt = appendEvents(db(), {
      events: [newEvent(runId), newEvent(runId, { eventId: 'not-a-uuid' })],
    });
    await expect(attempt).rejects.toBeInstanceOf(EventStoreError);
    await expect(attempt).rejects.toMatchObject({
      code: 'invalid_event',
      retryable: false,
      message: expect.stringContaining('events[1].eventId'),
    });
    expect(await readRunEvents(db(), runId)).toEqual([]);
  });

  it('wraps a database refusal as a non-retryable EventStoreError with its SQLSTATE', async () => {
    // Postgres text cannot hold NUL; the refusal comes from the server, mid-transaction.
    const attempt = appendEvents(db(), { events: [newEvent(newRunId()), newEvent('bad\u0000run')] });
    await expect(attempt).rejects.toBeInstanceOf(EventStoreError);
    await expect(attempt).rejects.toMatchObject({ name: 'EventStoreError', code: '22021', retryable: false });
  });
});
