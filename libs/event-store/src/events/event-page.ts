import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { toStoredEvent } from './event-row.mapper.js';
import type { StoredEvent } from './stored-event.js';

/** A page of the run's events: at most `limit`, those after `afterRunSeq`, in `run_seq` order. */
export async function readEventPage(
  db: Kysely<Database>,
  runId: string,
  afterRunSeq: number,
  limit: number,
): Promise<StoredEvent[]> {
  const rows = await db
    .selectFrom('event_log')
    .selectAll()
    .where('run_id', '=', runId)
    .where('run_seq', '>', afterRunSeq)
    .orderBy('run_seq')
    .limit(limit)
    .execute();
  return rows.map(toStoredEvent);
}
