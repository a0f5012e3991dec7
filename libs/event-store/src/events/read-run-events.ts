import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { toStoredEvent } from './event-row.mapper.js';
import type { StoredEvent } from './stored-event.js';

export interface ReadRunEventsOptions {
  /** First `run_seq` to return. @default 1 */
  fromRunSeq?: number;
  /** At most this many events; all when omitted. */
  limit?: number;
}

/** One run's events in `run_seq` order: the input of replay and of the planner's fold. */
export async function readRunEvents(
  db: Kysely<Database>,
  runId: string,
  options: ReadRunEventsOptions = {},
): Promise<StoredEvent[]> {
  let query = db
    .selectFrom('event_log')
    .selectAll()
    .where('run_id', '=', runId)
    .where('run_seq', '>=', options.fromRunSeq ?? 1)
    .orderBy('run_seq');
  if (options.limit !== undefined) query = query.limit(options.limit);
  const rows = await query.execute();
  return rows.map(toStoredEvent);
}
