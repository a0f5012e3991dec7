import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { RunRow } from '../tables/runs.table.js';

/** What a trigger asked for, as the run's `runs` row keeps it (with the run's state). */
export type RunTriggerRow = Pick<RunRow, 'pipeline_id' | 'pipeline_version' | 'params' | 'state'>;

export function readRunTrigger(db: Kysely<Database>, runId: string): Promise<RunTriggerRow | undefined> {
  return db
    .selectFrom('runs')
    .select(['pipeline_id', 'pipeline_version', 'params', 'state'])
    .where('run_id', '=', runId)
    .executeTakeFirst();
}

/** Whether the run is in the `runs` projection or has a stream head. */
export async function runIsKnown(db: Kysely<Database>, runId: string): Promise<boolean> {
  const run = await db.selectFrom('runs').select('run_id').where('run_id', '=', runId).executeTakeFirst();
  if (run) return true;
  const head = await db
    .selectFrom('run_streams')
    .select('run_id')
    .where('run_id', '=', runId)
    .executeTakeFirst();
  return head !== undefined;
}
