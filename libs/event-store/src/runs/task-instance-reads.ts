import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { TaskInstanceRow } from '../tables/task-instances.table.js';

/** Which instances of a run to read; `group: null` = instances outside any group. */
export interface TaskInstanceQuery {
  states?: readonly string[];
  group?: string | null;
  stage?: string;
  /** Rows to read at most. */
  limit: number;
  /** Only task ids after this one (byte order). */
  after?: string;
  outputs: boolean;
}

/** A `task_instances` row as listed: without `output` unless asked for. */
export type ListedTaskInstanceRow = Pick<
  TaskInstanceRow,
  | 'task_id'
  | 'stage'
  | 'group_path'
  | 'map_index'
  | 'label'
  | 'state'
  | 'attempt'
  | 'error'
  | 'started_at'
  | 'finished_at'
> & { output?: unknown };

/** A run's instances in task id order (byte order, `collate "C"`, the same on every database). */
export function readTaskInstances(
  db: Kysely<Database>,
  runId: string,
  query: TaskInstanceQuery,
): Promise<ListedTaskInstanceRow[]> {
  let select = db
    .selectFrom('task_instances')
    .select([
      'task_id',
      'stage',
      'group_path',
      'map_index',
      'label',
      'state',
      'attempt',
      'error',
      'started_at',
      'finished_at',
    ])
    .$if(query.outputs, (q) => q.select('output'))
    .where('run_id', '=', runId)
    .orderBy(sql`task_id collate "C"`)
    .limit(query.limit);
  if (query.states !== undefined) select = select.where('state', 'in', [...query.states]);
  if (query.group === null) select = select.where('group_path', 'is', null);
  else if (query.group !== undefined) select = select.where('group_path', '=', query.group);
  if (query.stage !== undefined) select = select.where('stage', '=', query.stage);
  if (query.after !== undefined) select = select.where(sql`task_id collate "C"`, '>', query.after);
  return select.execute();
}

/** One instance, output included; undefined when the run has no such instance. */
export function readTaskInstance(
  db: Kysely<Database>,
  runId: string,
  taskId: string,
): Promise<TaskInstanceRow | undefined> {
  return db
    .selectFrom('task_instances')
    .selectAll()
    .where('run_id', '=', runId)
    .where('task_id', '=', taskId)
    .executeTakeFirst();
}

/** Whether the run has an instance of this id. */
export async function taskInstanceExists(
  db: Kysely<Database>,
  runId: string,
  taskId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('task_instances')
    .select('task_id')
    .where('run_id', '=', runId)
    .where('task_id', '=', taskId)
    .executeTakeFirst();
  return row !== undefined;
}
