import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { RunRow } from '../tables/runs.table.js';

/** Which runs to list; `partial` keeps successes with a failed group or a failed/upstream_failed instance. */
export interface RunListFilter {
  pipelineId?: string;
  state?: string;
  partial?: boolean;
  /** Created at or after this time. */
  since?: Date;
  /** Created before this time. */
  until?: Date;
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
  if (filter.since !== undefined) query = query.where('created_at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('created_at', '<', filter.until);
  if (filter.partial === true) {
    // Same rule as the api's runOutcomeOf: a success with a failed group or a failed/upstream_failed instance.
    query = query
      .where('state', '=', 'success')
      .where((eb) =>
        eb.or([
          eb.exists(
            eb
              .selectFrom('run_cells as c')
              .select('c.stage')
              .whereRef('c.run_id', '=', 'runs.run_id')
              .where('c.state', 'in', ['failed', 'upstream_failed'])
              .where('c.n', '>', 0),
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
