import type { Kysely } from 'kysely';
import { CONSOLIDATE_ID } from '@tributary/domain';
import type { Database } from '../db/database.js';

/**
 * Runs (at most `limit`) whose consolidation may have been cleared on its own: running, consolidation
 * pending, every group terminal as the fan-in sees it, and the fan-in disarmed. Reads the planner's
 * projections (`runs`, `task_instances`) alongside `fan_in_runs`.
 */
export async function clearedConsolidationCandidates(db: Kysely<Database>, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('fan_in_runs as f')
    .innerJoin('runs as r', 'r.run_id', 'f.run_id')
    .innerJoin('task_instances as t', (join) =>
      join.onRef('t.run_id', '=', 'f.run_id').on('t.task_id', '=', CONSOLIDATE_ID),
    )
    .select('f.run_id')
    .where('r.state', '=', 'running')
    .where('t.state', '=', 'pending')
    .where('f.blocks_total', '>', 0)
    .where('f.armed', '=', false)
    .where('f.open_groups', '=', 0)
    .whereRef('f.blocks_seen', '>=', 'f.blocks_total')
    .limit(limit)
    .execute();
  return rows.map((r) => r.run_id);
}
