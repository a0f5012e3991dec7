import { sql, type Transaction } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { EventStoreError } from '../errors/event-store.error.js';
import { useMigratedDb } from '../test-fixtures/migrated-db.fixture.js';
import { newEvent, newRunId } from '../test-fixtures/new-event.fixture.js';
import { appendEvents, appendEventsInTransaction } from './append-events.js';
import { compareRunIds, lockRunStreams } from './lock-run-streams.js';
import { readRunEvents } from './read-run-events.js';
import { verifyChain } from './verify-chain.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('appendEvents under concurrency', () => {
  const db = useMigratedDb({ maxConnections: 12 });

  it('8 concurrent appenders × 50 appends to one run give run_seq 1..400 without gaps', async () => {
    const runId = newRunId('hot');
    const writers = Array.from({ length: 8 }, async (_, writer) => {
      const mine: number[] = [];
      for (let i = 0; i < 50; i++) {
        const { appended } = await appendEvents(db(), {
          events: [newEvent(runId, { payload: { writer, i } })],
        });
        mine.push(appended[0]!.runSeq);
      }
      return mine;
    });
    const perWriter = await Promise.all(writers);

    const stored = await readRunEvents(db(), runId);
    expect(stored.map((event) => event.runSeq)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    for (const seqs of perWriter) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(perWriter.flat()).size).toBe(400);
    expect(await verifyChain(db(), runId)).toEqual({ ok: true, count: 400 });
  });

  it('appends of the same events racing each other store each event once', async () => {
    const runId = newRunId('race');
    const events = Array.from({ length: 20 }, () => newEvent(runId));
    const results = await Promise.all(Array.from({ length: 6 }, () => appendEvents(db(), { events })));
    expect(results.reduce((sum, result) => sum + result.appended.length, 0)).toBe(20);
    expect(await verifyChain(db(), runId)).toEqual({ ok: true, count: 20 });
  });

  it('transactions over runs [A, B] and [B, A] at the same time do not deadlock', async () => {
    const a = newRunId('A');
    const b = newRunId('B');
    await appendEvents(db(), { events: [newEvent(a), newEvent(b)] }); // heads exist: the FOR UPDATE path
    const c = newRunId('C');
    const d = newRunId('D'); // no heads yet: the insert-missing-heads path

    for (const [x, y] of [
      [a, b],
      [c, d],
    ] as const) {
      // Each holds its locks for 150 ms: with per-run locking in the given order, each would
      // hold its first run and wait for the other's, a certain deadlock.
      const hold = async (): Promise<void> => sleep(150);
      const results = await Promise.all([
        appendEvents(db(), { events: [newEvent(x), newEvent(y)], project: hold }),
        appendEvents(db(), { events: [newEvent(y), newEvent(x)], project: hold }),
      ]);
      expect(results.map((result) => result.appended.length)).toEqual([2, 2]);
    }
    for (const runId of [a, b, c, d]) expect((await verifyChain(db(), runId)).ok).toBe(true);
  });

  it('many [A, B] / [B, A] appends in a loop stay deadlock-free', async () => {
    const a = newRunId('A');
    const b = newRunId('B');
    const rounds = Array.from({ length: 40 }, (_, i) =>
      appendEvents(db(), { events: i % 2 === 0 ? [newEvent(a), newEvent(b)] : [newEvent(b), newEvent(a)] }),
    );
    await Promise.all(rounds);
    expect(await verifyChain(db(), a)).toEqual({ ok: true, count: 40 });
    expect(await verifyChain(db(), b)).toEqual({ ok: true, count: 40 });
  });

  it('control: locking runs one by one in the given order does deadlock (so the test above can fail)', async () => {
    const a = newRunId('A');
    const b = newRunId('B');
    await appendEvents(db(), { events: [newEvent(a), newEvent(b)] });
    const naive = (first: string, second: string) =>
      db()
        .transaction()
        .execute(async (trx) => {
          await lockRunStreams(trx, [first]);
          await sleep(150);
          await lockRunStreams(trx, [second]);
        });
    const outcomes = await Promise.allSettled([naive(a, b), naive(b, a)]);
    const failures = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(failures).toHaveLength(1);
    const wrapped = EventStoreError.from((failures[0] as PromiseRejectedResult).reason, 'lock');
    expect(wrapped).toMatchObject({ code: '40P01', retryable: true });
  });

  it('lockRunStreams holds the heads until commit and can precede appendEventsInTransaction', async () => {
    const runId = newRunId('planner');
    const order: string[] = [];
    const planner = db()
      .transaction()
      .execute(async (trx: Transaction<Database>) => {
        const heads = await lockRunStreams(trx, [runId]);
        expect(heads.get(runId)).toMatchObject({ lastSeq: 0 });
        order.push('planner locked');
        await sleep(150);
        await appendEventsInTransaction(trx, { events: [newEvent(runId, { type: 'Decided' })] });
        order.push('planner appended');
      });
    await sleep(30);
    const other = appendEvents(db(), { events: [newEvent(runId, { type: 'Other' })] }).then(() =>
      order.push('other appended'),
    );
    await Promise.all([planner, other]);
    expect(order).toEqual(['planner locked', 'planner appended', 'other appended']);
    expect((await readRunEvents(db(), runId)).map((event) => event.type)).toEqual(['Decided', 'Other']);
  });

  it('locks in the same order as Postgres sorts with COLLATE "C"', async () => {
    const ids = ['b', 'B', 'a-1', 'a_1', 'Ä', 'z', '\u{1F600}', '\uE000', 'market=LU', 'market=lu'];
    const rows = await sql<{ id: string }>`
      select id from unnest(${ids}::text[]) as t(id) order by id collate "C"`.execute(db());
    expect(rows.rows.map((row) => row.id)).toEqual([...ids].sort(compareRunIds));
  });
});
