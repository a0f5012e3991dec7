import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { RunRow } from '../tables/runs.table.js';

/** Which runs to list; `partial` keeps successes with a failed group or a failed/upstream_failed instance. */
export interface RunListFilter {
  pipelineId?: string;
  state?: string;
  partial?: boolean;
  limit: number;
}

export type RunListRow = Pick<
  RunRow,
  'run_id' | 'pipeline_id' | 'pipeline_version' | 'state' | 'created_at' | 'finished_at'
>;

/** Runs newest first (ties by run id, descending), at most `filter.limit`. */
export async function listRunRows(db: Kysely<Database>, filter: RunListFilter): Promise<RunListRow[]> {
  let query = db
    .selectFrom('runs')
    .select(['run_id', 'pipeline_id', 'pipeline_version', 'state', 'created_at', 'finished_at'])
    .orderBy('created_at', 'desc')
    .orderBy('run_id', 'desc')
    .limit(filter.limit);
  if (filter.pipelineId !== undefined) query = query.where('pipeline_id', '=', filter.pipelineId);
  if (filter.state !== undefined) query = query.where('state', '=', filter.state);
  if (filter.partial === true) {
    // Same rule as the api's runOutcomeOf: a success with a failed group or a failed/upstream_failed instance.
    query = query
      .where('state', '=', 'success')
      .where((eb) =>
        eb.or([
          eb.exists(
            eb
              .selectFrom('task_instances as t')
              .select('t.task_id')
              .whereRef('t.run_id', '=', 'runs.run_id')
              .where('t.state', 'in', ['failed', 'upstream_failed']),
          ),
          eb.exists(
            eb
              .selectFrom('groups as g')
              .select('g.path')
              .whereRef('g.run_id', '=', 'runs.run_id')
              .where('g.state', '=', 'failed'),
          ),
        ]),
      );
  }
  return query.execute();
}
