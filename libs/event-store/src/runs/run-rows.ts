import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { GroupRow } from '../tables/groups.table.js';
import type { RunRow } from '../tables/runs.table.js';

/** The run's `runs` row; undefined when the projection has none. */
export function readRunRow(db: Kysely<Database>, runId: string): Promise<RunRow | undefined> {
  return db.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
}

/** What a trigger asked for, as the run's `runs` row keeps it (with the run's state). */
export type RunTriggerRow = Pick<RunRow, 'pipeline_id' | 'pipeline_version' | 'params' | 'state'>;

export function readRunTrigger(db: Kysely<Database>, runId: string): Promise<RunTriggerRow | undefined> {
  return db
    .selectFrom('runs')
    .select(['pipeline_id', 'pipeline_version', 'params', 'state'])
    .where('run_id', '=', runId)
    .executeTakeFirst();
}

/** The run's groups (path, state, label), in no particular order. */
export function readRunGroups(
  db: Kysely<Database>,
  runId: string,
): Promise<Pick<GroupRow, 'path' | 'state' | 'label'>[]> {
  return db.selectFrom('groups').select(['path', 'state', 'label']).where('run_id', '=', runId).execute();
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
