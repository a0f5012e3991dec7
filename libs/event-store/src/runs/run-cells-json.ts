import { sql, type RawBuilder } from 'kysely';
import type { InstanceCellCount } from './state-counts.js';

/** One non-empty `run_cells` row as `json_build_array` gives it: [group_path, stage, state, n]. */
export type CellJson = [groupPath: string, stage: string, state: string, n: number];

/**
 * A run's non-empty `run_cells` rows as ONE json array (a scalar subquery), so a read can take them in
 * the same statement, hence the same snapshot, as the run's other rows. In key order, as an index
 * scan gives them: the api builds counts objects in that order.
 */
export function cellsJson(runId: RawBuilder<unknown>): RawBuilder<CellJson[]> {
  return sql<CellJson[]>`(
    select coalesce(json_agg(json_build_array(c.group_path, c.stage, c.state, c.n)
                             order by c.group_path, c.stage, c.state), '[]')
    from run_cells c where c.run_id = ${runId} and c.n > 0)`;
}

/** The cells as the api counts them: `group_path` '' (outside any group) is null. */
export function toCellCounts(cells: CellJson[]): InstanceCellCount[] {
  return cells.map(([groupPath, stage, state, count]) => ({
    groupPath: groupPath === '' ? null : groupPath,
    stage,
    state,
    count,
  }));
}
