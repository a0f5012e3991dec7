import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { EventStoreError } from '../errors/event-store.error.js';
import { toStoredEvent } from './event-row.mapper.js';
import type { StoredEvent } from './stored-event.js';

export interface ReadAllEventsOptions {
  /** Return events with `seq` greater than this (a `StoredEvent.seq`). @default '0' */
  afterSeq?: string | number | bigint;
  /** @default 1000 */
  limit?: number;
}

/**
 * Events of all runs in global `seq` order, one page at a time: pass the last
 * `seq` you got as `afterSeq` for the next page. For rebuilding projections and
 * audit export.
 *
 * `seq` is taken when a row is inserted, not when its transaction commits, so
 * while appends are running a page may skip a lower `seq` that commits a moment
 * later. Read the full log of quiet runs, or follow live changes through the
 * outbox, not by tailing this.
 */
export async function readAllEvents(
  db: Kysely<Database>,
  options: ReadAllEventsOptions = {},
): Promise<StoredEvent[]> {
  const afterSeq = String(options.afterSeq ?? '0');
  if (!/^\d+$/.test(afterSeq)) {
    throw new EventStoreError(`afterSeq must be a non-negative integer, got ${afterSeq}`, {
      code: 'invalid_argument',
    });
  }
  const rows = await db
    .selectFrom('event_log')
    .selectAll()
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(options.limit ?? 1000)
    .execute();
  return rows.map(toStoredEvent);
}
