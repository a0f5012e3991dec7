import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { readRunEvents } from '../events/read-run-events.js';
import { foldRun } from './fold-run.js';
import { projectionWrites } from './write-run-projection.js';

export interface RebuiltRun {
  runId: string;
  events: number;
  state: string;
  groups: number;
  tasks: number;
}

/**
 * Rewrites one run's `runs`, `groups`, `task_instances` and `run_cells` rows from its event log: folds the events, deletes
 * the run's rows and writes them again with the planner's own statements (`projectionWrites`), so a rebuilt
 * row is what the planner would have written. Holds the run's `run_streams` row FOR UPDATE meanwhile, the
 * lock every appender takes: no event of the run commits between the read and the write.
 * Resolves null when the log has no such run.
 */
export async function rebuildRunProjection(db: Kysely<Database>, runId: string): Promise<RebuiltRun | null> {
  return db.transaction().execute(async (trx) => {
    const head = await trx
      .selectFrom('run_streams')
      .select('last_seq')
      .where('run_id', '=', runId)
      .forUpdate()
      .executeTakeFirst();
    if (!head) return null;
    const events = await readRunEvents(trx, runId);
    if (events.length === 0) return null;
    const { state, planless } = await foldRun(trx, events);
    const existing = await trx
      .selectFrom('runs')
      .select('pipeline_version')
      .where('run_id', '=', runId)
      .executeTakeFirst();
    await trx.deleteFrom('task_instances').where('run_id', '=', runId).execute();
    // The triggers took the counts to 0; dropping the rows also drops any count that had drifted.
    await trx.deleteFrom('run_cells').where('run_id', '=', runId).execute();
    await trx.deleteFrom('groups').where('run_id', '=', runId).execute();
    await trx.deleteFrom('runs').where('run_id', '=', runId).execute();
    // A planless rejection was written by the planner outside the fold, with the trigger's version.
    if (planless) state.run.version = existing?.pipeline_version ?? 0;
    const statements = projectionWrites([
      {
        state,
        traceId: events.find((e) => e.traceId !== null)?.traceId ?? null,
        affected: {
          run: true,
          groupPaths: new Set(state.groups.keys()),
          taskIds: new Set(state.tasks.keys()),
          removedTaskIds: new Set(),
        },
      },
    ]);
    for (const statement of statements) await statement.execute(trx);
    return {
      runId,
      events: events.length,
      state: String(state.run.status),
      groups: state.groups.size,
      tasks: state.tasks.size,
    };
  });
}
