import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';

/** A running run waiting for a `maxActiveRuns` slot, as committed. */
export interface WaitingRun {
  runId: string;
  createdAtMs: number;
}

/** A pipeline's `maxActiveRuns` slots as every planner replica committed them. */
export interface RunSlots {
  /** Running runs holding a slot (they dispatched since they started or reopened). */
  admitted: number;
  /** The oldest running runs still waiting for a slot (at most `limit`), oldest first. */
  waiting: WaitingRun[];
}

/**
 * Serialises `maxActiveRuns` admission of one pipeline across planner replicas (a transaction-scoped
 * advisory lock, taken after the run heads) and reads its slots, leaving out `excludeRunIds` (the runs
 * being decided, which the caller knows from memory). Waiting runs are ordered by created_at, then run id
 * in byte order — the order the planner admits them in.
 */
export async function lockRunSlots(
  trx: Transaction<Database>,
  pipelineId: string,
  limit: number,
  excludeRunIds: readonly string[],
): Promise<RunSlots> {
  await sql`select pg_advisory_xact_lock(hashtext(${`tributary:max-active-runs:${pipelineId}`}))`.execute(
    trx,
  );
  const running = () => {
    let query = trx.selectFrom('runs').where('pipeline_id', '=', pipelineId).where('state', '=', 'running');
    if (excludeRunIds.length > 0) query = query.where('run_id', 'not in', [...excludeRunIds]);
    return query;
  };
  const admitted = await running()
    .select(sql<string>`count(*)`.as('n'))
    .where('admitted_at', 'is not', null)
    .executeTakeFirstOrThrow();
  const waiting = await running()
    .select(['run_id', 'created_at'])
    .where('admitted_at', 'is', null)
    .orderBy('created_at')
    .orderBy(sql`run_id collate "C"`)
    .limit(limit)
    .execute();
  return {
    admitted: Number(admitted.n),
    waiting: waiting.map((row) => ({ runId: row.run_id, createdAtMs: row.created_at.getTime() })),
  };
}
