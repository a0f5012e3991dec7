import { describe, expect, it } from 'vitest';
import { EventStoreError } from '../errors/event-store.error.js';
import { useMigratedDb } from '../test-fixtures/migrated-db.fixture.js';
import { newEvent, newRunId } from '../test-fixtures/new-event.fixture.js';
import { appendEvents } from './append-events.js';
import { readAllEvents } from './read-all-events.js';
import { readRunEvents } from './read-run-events.js';
import type { StoredEvent } from './stored-event.js';

describe('reading events', () => {
  const db = useMigratedDb();

  it('readRunEvents pages one run by run_seq', async () => {
    const runId = newRunId();
    await appendEvents(db(), {
      events: Array.from({ length: 10 }, (_, i) => newEvent(runId, { payload: { i } })),
    });
    await appendEvents(db(), { events: [newEvent(newRunId())] });

    expect((await readRunEvents(db(), runId)).map((event) => event.runSeq)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(
      (await readRunEvents(db(), runId, { fromRunSeq: 4, limit: 3 })).map((event) => event.payload),
    ).toEqual([{ i: 3 }, { i: 4 }, { i: 5 }]);
    expect(await readRunEvents(db(), runId, { fromRunSeq: 11 })).toEqual([]);
  });

  it('readAllEvents walks every run in global order, page by page', async () => {
    const a = newRunId('a');
    const b = newRunId('b');
    const { appended } = await appendEvents(db(), {
      events: [newEvent(a), newEvent(b), newEvent(a), newEvent(b), newEvent(a)],
    });
    const firstSeq = BigInt(appended[0]!.seq) - 1n;

    const pages: StoredEvent[][] = [];
    let afterSeq: string | bigint = firstSeq;
    for (;;) {
      const page = await readAllEvents(db(), { afterSeq, limit: 2 });
      if (page.length === 0) break;
      pages.push(page);
      afterSeq = page[page.length - 1]!.seq;
    }
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(appended);
  });

  it('refuses a malformed afterSeq', async () => {
    await expect(readAllEvents(db(), { afterSeq: '1; drop table event_log' })).rejects.toBeInstanceOf(
      EventStoreError,
    );
  });
});
