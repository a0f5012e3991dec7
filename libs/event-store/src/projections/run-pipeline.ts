import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

/** The pipeline version a run pins, and its trace id, as the `runs` projection holds them. */
export interface RunPipeline {
  pipelineId: string;
  version: number;
  traceId: string | null;
}

/** Null when the projection has no row for the run (unknown, or not written yet). */
export async function readRunPipeline(db: Kysely<Database>, runId: string): Promise<RunPipeline | null> {
  const row = await db
    .selectFrom('runs')
    .select(['pipeline_id', 'pipeline_version', 'trace_id'])
    .where('run_id', '=', runId)
    .executeTakeFirst();
  return row ? { pipelineId: row.pipeline_id, version: row.pipeline_version, traceId: row.trace_id } : null;
}
