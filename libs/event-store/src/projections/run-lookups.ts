import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

/** The ids of the runs the projection shows `running`. */
export async function runningRunIds(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('runs').select('run_id').where('state', '=', 'running').execute();
  return rows.map((r) => r.run_id);
}

/** The greatest idempotency key starting with `prefix` among a pipeline's runs (null when none). */
export async function greatestIdempotencyKey(
  db: Kysely<Database>,
  pipelineId: string,
  prefix: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('runs')
    .select((eb) => eb.fn.max('idempotency_key').as('key'))
    .where('pipeline_id', '=', pipelineId)
    .where('idempotency_key', 'like', `${prefix}%`)
    .executeTakeFirst();
  return (row?.key as string | null | undefined) ?? null;
}

/** How many events the run's stream holds (0 for a run the log does not know). */
export async function runStreamLength(db: Kysely<Database>, runId: string): Promise<number> {
  const row = await db
    .selectFrom('run_streams')
    .select('last_seq')
    .where('run_id', '=', runId)
    .executeTakeFirst();
  return row ? Number(row.last_seq) : 0;
}
