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

/** The count of a run's instances in one (group, stage, state): a `run_cells` row (migration 016). */
export interface InstanceCellCount {
  groupPath: string | null;
  stage: string;
  state: string;
  count: number;
}
