import { sql, type Kysely, type Selectable } from 'kysely';
import type { TaskInstancePage, TaskInstanceView } from '@tributary/api-contract';
import type { Database } from '@tributary/event-store';
import { invalidRequest } from '../http/api-error.js';

/** One task instance as the api shows it (the contract's shape). */
export type RunInstance = TaskInstanceView;

/** `GET /runs/:id/tasks` filters; `group: null` = instances outside any group (`?group=-`). */
export interface InstanceFilter {
  states?: readonly string[];
  group?: string | null;
  stage?: string;
  limit: number;
  /** The last task id of the previous page. */
  after?: string;
  outputs: boolean;
}

export type InstancePage = TaskInstancePage;

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

/** An opaque cursor: the last task id of a page, base64url (task ids hold `/`, `[`, `=`). */
export const encodeCursor = (taskId: string): string => Buffer.from(taskId, 'utf8').toString('base64url');

export function decodeCursor(cursor: string): string {
  const taskId = Buffer.from(cursor, 'base64url').toString('utf8');
  if (taskId.length === 0 || encodeCursor(taskId) !== cursor)
    throw invalidRequest('the query', [
      {
        path: '?cursor',
        message: 'not a cursor of this api: pass nextCursor exactly as a previous page gave it',
      },
    ]);
  return taskId;
}

/**
 * A page of a run's task instances in task id order (byte order, `collate "C"`, the same on every
 * database), filtered by state, group and stage. One row more than the page is read to know if
 * another page follows.
 */
export async function instancePage(
  db: Kysely<Database>,
  runId: string,
  filter: InstanceFilter,
): Promise<InstancePage> {
  let query = db
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
    .$if(filter.outputs, (q) => q.select('output'))
    .where('run_id', '=', runId)
    .orderBy(sql`task_id collate "C"`)
    .limit(filter.limit + 1);
  if (filter.states !== undefined) query = query.where('state', 'in', [...filter.states]);
  if (filter.group === null) query = query.where('group_path', 'is', null);
  else if (filter.group !== undefined) query = query.where('group_path', '=', filter.group);
  if (filter.stage !== undefined) query = query.where('stage', '=', filter.stage);
  if (filter.after !== undefined) query = query.where(sql`task_id collate "C"`, '>', filter.after);
  const rows = await query.execute();
  const more = rows.length > filter.limit;
  const page = more ? rows.slice(0, filter.limit) : rows;
  return {
    tasks: page.map((t) => instanceOf(t, filter.outputs)),
    nextCursor: more ? encodeCursor(page[page.length - 1]!.task_id) : null,
  };
}

/** One instance with its output; null when the run has no such instance. */
export async function oneInstance(
  db: Kysely<Database>,
  runId: string,
  taskId: string,
): Promise<RunInstance | null> {
  const t = await db
    .selectFrom('task_instances')
    .selectAll()
    .where('run_id', '=', runId)
    .where('task_id', '=', taskId)
    .executeTakeFirst();
  return t ? instanceOf(t, true) : null;
}

type InstanceRow = Pick<
  Selectable<Database['task_instances']>,
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

/** A `task_instances` row as the api shows it, with its output when `withOutput`. */
function instanceOf(t: InstanceRow, withOutput: boolean): RunInstance {
  return {
    taskId: t.task_id,
    stage: t.stage,
    group: t.group_path,
    mapIndex: t.map_index,
    label: t.label,
    state: t.state,
    attempt: t.attempt,
    ...(withOutput ? { output: t.output ?? null } : {}),
    error: (t.error ?? null) as TaskInstanceView['error'],
    startedAt: iso(t.started_at),
    finishedAt: iso(t.finished_at),
  };
}
