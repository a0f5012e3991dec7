import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

/** A run the planner refused to start, as its `runs` row records it. */
export interface RejectedRun {
  runId: string;
  pipelineId: string;
  /** 0 when the trigger named none. */
  pipelineVersion: number;
  idempotencyKey: string | null;
  traceId: string | null;
  /** The first issue's message. */
  reason: string;
  at: Date;
}

/** Writes the `runs` row of a rejected run (no params, finished when created); an existing row is kept. */
export async function insertRejectedRun(db: Kysely<Database>, run: RejectedRun): Promise<void> {
  await db
    .insertInto('runs')
    .values({
      run_id: run.runId,
      pipeline_id: run.pipelineId,
      pipeline_version: run.pipelineVersion,
      state: 'rejected',
      params: JSON.stringify({}),
      idempotency_key: run.idempotencyKey,
      trace_id: run.traceId,
      reason: run.reason,
      created_at: run.at,
      finished_at: run.at,
    })
    .onConflict((oc) => oc.column('run_id').doNothing())
    .execute();
}
