import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { toStoredEvent } from './event-row.mapper.js';
import type { StoredEvent } from './stored-event.js';

/** Narrows an event page to one task instance's events or one event type. */
export interface EventPageFilter {
  taskId?: string | undefined;
  type?: string | undefined;
}

/** A page of the run's events: at most `limit`, those after `afterRunSeq`, in `run_seq` order. */
export async function readEventPage(
  db: Kysely<Database>,
  runId: string,
  afterRunSeq: number,
  limit: number,
  only: EventPageFilter = {},
): Promise<StoredEvent[]> {
  let query = db
    .selectFrom('event_log')
    .selectAll()
    .where('run_id', '=', runId)
    .where('run_seq', '>', afterRunSeq);
  if (only.taskId !== undefined) query = query.where('task_id', '=', only.taskId);
  if (only.type !== undefined) query = query.where('type', '=', only.type);
  const rows = await query.orderBy('run_seq').limit(limit).execute();
  return rows.map(toStoredEvent);
}
