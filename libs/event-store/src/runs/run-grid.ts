import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { cellsJson, toCellCounts, type CellJson } from './run-cells-json.js';
import type { InstanceCellCount } from './state-counts.js';

/**
 * A run's non-empty cells (key order) — null when the run is neither in `runs` nor has a stream head —
 * in ONE statement: one round trip and one snapshot, no transaction.
 */
export async function readRunGrid(db: Kysely<Database>, runId: string): Promise<InstanceCellCount[] | null> {
  const { rows } = await sql<{ known: boolean; cells: CellJson[] }>`
    select (exists (select 1 from runs where run_id = ${runId})
            or exists (select 1 from run_streams where run_id = ${runId})) as known,
           ${cellsJson(sql`${runId}`)} as cells`.execute(db);
  const row = rows[0]!;
  return row.known ? toCellCounts(row.cells) : null;
}
