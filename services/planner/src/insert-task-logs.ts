import type { Transaction } from 'kysely';
import type { Database } from '@tributary/event-store';
import type { TaskLogRow } from './run-work.js';

/** The handlers' log lines that came with this commit's results, stored in its transaction. */
export async function insertTaskLogs(trx: Transaction<Database>, logs: readonly TaskLogRow[]): Promise<void> {
  await trx
    .insertInto('task_logs')
    .values(
      logs.map((l) => ({
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
