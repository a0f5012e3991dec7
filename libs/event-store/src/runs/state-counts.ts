import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

/** How many rows are in one state. */
export interface StateCount {
  state: string;
  count: number;
}

/** Runs per state (states without runs are absent). */
export async function countRunsByState(db: Kysely<Database>): Promise<StateCount[]> {
  const rows = await db
    .selectFrom('runs')
    .select(['state', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('state')
    .execute();
  return rows.map((r) => ({ state: r.state, count: Number(r.n) }));
}

/** Task instances of all runs per state (states without instances are absent). */
export async function countTaskInstancesByState(db: Kysely<Database>): Promise<StateCount[]> {
  const rows = await db
    .selectFrom('task_instances')
    .select(['state', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('state')
    .execute();
  return rows.map((r) => ({ state: r.state, count: Number(r.n) }));
}

/** The count of a run's instances in one (group, stage, state). */
export interface InstanceCellCount {
  groupPath: string | null;
  stage: string;
  state: string;
  count: number;
}

/**
 * A run's instances per (group, stage, state), in no particular order: the `run_cells` rows (migration 016)
 * that are not empty. Costs the number of cells, not of instances.
 */
export async function countRunInstancesByCell(
  db: Kysely<Database>,
  runId: string,
): Promise<InstanceCellCount[]> {
  const rows = await db
    .selectFrom('run_cells')
    .select(['group_path', 'stage', 'state', 'n'])
    .where('run_id', '=', runId)
    .where('n', '>', 0)
    .execute();
  return rows.map((r) => ({
    groupPath: r.group_path === '' ? null : r.group_path,
    stage: r.stage,
    state: r.state,
    count: r.n,
  }));
}
