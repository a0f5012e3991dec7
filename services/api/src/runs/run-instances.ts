import type { Kysely } from 'kysely';
import type { TaskInstancePage, TaskInstanceView } from '@tributary/api-contract';
import {
  readTaskInstance,
  readTaskInstances,
  type Database,
  type ListedTaskInstanceRow,
  type TaskInstanceQuery,
} from '@tributary/event-store';
import { invalidRequest } from '../http/api-error.js';

/** One task instance as the api shows it (the contract's shape). */
export type RunInstance = TaskInstanceView;

/** `GET /runs/:id/tasks` filters (`group: null` = instances outside any group, `?group=-`). */
export type InstanceFilter = TaskInstanceQuery;

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
  const rows = await readTaskInstances(db, runId, { ...filter, limit: filter.limit + 1 });
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
  const t = await readTaskInstance(db, runId, taskId);
  return t ? instanceOf(t, true) : null;
}

/** A `task_instances` row as the api shows it, with its output when `withOutput`. */
function instanceOf(t: ListedTaskInstanceRow, withOutput: boolean): RunInstance {
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
