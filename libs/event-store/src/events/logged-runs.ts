import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

/** Every run with at least one event in the log, in id order. */
export async function loggedRunIds(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom('run_streams')
    .select('run_id')
    .where('last_seq', '>', 0)
    .orderBy('run_id')
    .execute();
  return rows.map((r) => r.run_id);
}

/** Whether the log holds any event of `runId`. */
export async function runHasEvents(db: Kysely<Database>, runId: string): Promise<boolean> {
  const row = await db
    .selectFrom('event_log')
    .select('run_id')
    .where('run_id', '=', runId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
