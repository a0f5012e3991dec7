import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

/** A log line a handler wrote, stored with the result that carried it. */
export interface NewTaskLogLine {
  runId: string;
  taskId: string;
  attempt: number;
  at: Date;
  level: string;
  message: string;
  /** Stored as JSON; null for none. */
  fields: unknown;
}

/** Inserts the lines in ONE statement (they ride along in the decision's transaction); none, no statement. */
export async function insertTaskLogs(db: Kysely<Database>, lines: readonly NewTaskLogLine[]): Promise<void> {
  if (lines.length === 0) return;
  await db
    .insertInto('task_logs')
    .values(
      lines.map((l) => ({
        run_id: l.runId,
        task_id: l.taskId,
        attempt: l.attempt,
        at: l.at,
        level: l.level,
        message: l.message,
        fields: l.fields === null ? null : JSON.stringify(l.fields),
      })),
    )
    .execute();
}
