import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

/** One group of a run as the fan-in records it (`state` is `running`, `success` or `failed`). */
export interface FanInGroupRecord {
  path: string;
  block: string;
  state: string;
  lastRunSeq: number;
}

const PATHS_PER_SELECT = 5000;
const ROWS_PER_INSERT = 1000;

/** The run's recorded groups among `paths` (read in chunks, so a list of paths never makes one huge statement). */
export async function readFanInGroups(
  db: Kysely<Database>,
  runId: string,
  paths: readonly string[],
): Promise<FanInGroupRecord[]> {
  const groups: FanInGroupRecord[] = [];
  for (let i = 0; i < paths.length; i += PATHS_PER_SELECT) {
    const chunk = paths.slice(i, i + PATHS_PER_SELECT);
    const found = await db
      .selectFrom('fan_in_groups')
      .select(['path', 'block', 'state', 'last_run_seq'])
      .where('run_id', '=', runId)
      .where('path', 'in', chunk)
      .execute();
    groups.push(...found.map(toRecord));
  }
  return groups;
}

/** Every recorded group of the run, in path order. */
export async function readAllFanInGroups(db: Kysely<Database>, runId: string): Promise<FanInGroupRecord[]> {
  const rows = await db
    .selectFrom('fan_in_groups')
    .select(['path', 'block', 'state', 'last_run_seq'])
    .where('run_id', '=', runId)
    .orderBy('path')
    .execute();
  return rows.map(toRecord);
}

/** Inserts or updates the run's `groups` (in chunks of rows). */
export async function upsertFanInGroups(
  db: Kysely<Database>,
  runId: string,
  groups: readonly FanInGroupRecord[],
): Promise<void> {
  for (let i = 0; i < groups.length; i += ROWS_PER_INSERT) {
    await db
      .insertInto('fan_in_groups')
      .values(
        groups.slice(i, i + ROWS_PER_INSERT).map((g) => ({
          run_id: runId,
          path: g.path,
          block: g.block,
          state: g.state,
          last_run_seq: g.lastRunSeq,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['run_id', 'path']).doUpdateSet((eb) => ({
          block: eb.ref('excluded.block'),
          state: eb.ref('excluded.state'),
          last_run_seq: eb.ref('excluded.last_run_seq'),
        })),
      )
      .execute();
  }
}

function toRecord(row: {
  path: string;
  block: string;
  state: string;
  last_run_seq: number;
}): FanInGroupRecord {
  return { path: row.path, block: row.block, state: row.state, lastRunSeq: row.last_run_seq };
}
