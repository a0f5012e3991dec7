import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

/** One top-level group block of a run and the last event the fan-in applied to it. */
export interface FanInBlockRecord {
  block: string;
  lastRunSeq: number;
}

/** Every recorded block of the run. */
export async function readFanInBlocks(db: Kysely<Database>, runId: string): Promise<FanInBlockRecord[]> {
  const rows = await db
    .selectFrom('fan_in_blocks')
    .select(['block', 'last_run_seq'])
    .where('run_id', '=', runId)
    .execute();
  return rows.map((b) => ({ block: b.block, lastRunSeq: b.last_run_seq }));
}

/** Inserts or updates the run's `blocks`; no statement when there are none. */
export async function upsertFanInBlocks(
  db: Kysely<Database>,
  runId: string,
  blocks: readonly FanInBlockRecord[],
): Promise<void> {
  if (blocks.length === 0) return;
  await db
    .insertInto('fan_in_blocks')
    .values(blocks.map((b) => ({ run_id: runId, block: b.block, last_run_seq: b.lastRunSeq })))
    .onConflict((oc) =>
      oc
        .columns(['run_id', 'block'])
        .doUpdateSet((eb) => ({ last_run_seq: eb.ref('excluded.last_run_seq') })),
    )
    .execute();
}
