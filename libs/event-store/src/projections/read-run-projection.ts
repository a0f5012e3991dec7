import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/database.js';

/** One run's projection rows as stored (`runs`, `groups`, `task_instances`), for comparison with a replay. */
export interface RunProjectionRows {
  run: Selectable<Database['runs']> | undefined;
  groups: Selectable<Database['groups']>[];
  tasks: Selectable<Database['task_instances']>[];
}

export async function readRunProjectionRows(db: Kysely<Database>, runId: string): Promise<RunProjectionRows> {
  const run = await db.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
  const groups = await db.selectFrom('groups').selectAll().where('run_id', '=', runId).execute();
  const tasks = await db.selectFrom('task_instances').selectAll().where('run_id', '=', runId).execute();
  return { run, groups, tasks };
}
