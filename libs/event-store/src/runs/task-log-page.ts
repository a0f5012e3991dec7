import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { TaskLogRow } from '../tables/task-logs.table.js';

/** A task's log lines by attempt, then in insertion order; one attempt's when `attempt` is given. */
export function readTaskLogs(
  db: Kysely<Database>,
  runId: string,
  taskId: string,
  attempt: number | undefined,
  limit: number,
): Promise<Pick<TaskLogRow, 'attempt' | 'at' | 'level' | 'message' | 'fields'>[]> {
  let query = db
    .selectFrom('task_logs')
    .select(['attempt', 'at', 'level', 'message', 'fields'])
    .where('run_id', '=', runId)
    .where('task_id', '=', taskId)
    .orderBy('attempt')
    .orderBy('id')
    .limit(limit);
  if (attempt !== undefined) query = query.where('attempt', '=', attempt);
  return query.execute();
}
