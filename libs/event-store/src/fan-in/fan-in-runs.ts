import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { FanInRunRow } from '../tables/fan-in.table.js';

/** The counters of a run's `fan_in_runs` row that applying group events changes. */
export interface FanInRunCounters {
  blocksSeen: number;
  openGroups: number;
  round: number;
  armed: boolean;
}

/** The run's `fan_in_runs` row, locked FOR UPDATE until the transaction ends; undefined when it has none. */
export function lockFanInRun(trx: Transaction<Database>, runId: string): Promise<FanInRunRow | undefined> {
  return trx.selectFrom('fan_in_runs').selectAll().where('run_id', '=', runId).forUpdate().executeTakeFirst();
}

/** Creates the run's row with `blocksTotal`; a row another transaction created first is kept. */
export async function insertFanInRun(
  db: Kysely<Database>,
  runId: string,
  blocksTotal: number,
): Promise<void> {
  await db
    .insertInto('fan_in_runs')
    .values({ run_id: runId, blocks_total: blocksTotal })
    .onConflict((oc) => oc.column('run_id').doNothing())
    .execute();
}

/** Writes the run's counters back. */
export async function saveFanInRunCounters(
  db: Kysely<Database>,
  runId: string,
  counters: FanInRunCounters,
  at: Date,
): Promise<void> {
  await db
    .updateTable('fan_in_runs')
    .set({
      blocks_seen: counters.blocksSeen,
      open_groups: counters.openGroups,
      round: counters.round,
      armed: counters.armed,
      updated_at: at,
    })
    .where('run_id', '=', runId)
    .execute();
}

/** Sets the run's consolidation round (a round fired without a group event). */
export async function saveFanInRound(
  db: Kysely<Database>,
  runId: string,
  round: number,
  at: Date,
): Promise<void> {
  await db.updateTable('fan_in_runs').set({ round, updated_at: at }).where('run_id', '=', runId).execute();
}

/** The fan-in's current consolidation round of a run (null before its first): a consolidator's staleness check. */
export async function currentFanInRound(db: Kysely<Database>, runId: string): Promise<number | null> {
  const row = await db
    .selectFrom('fan_in_runs')
    .select('round')
    .where('run_id', '=', runId)
    .executeTakeFirst();
  return row ? row.round : null;
}
