import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

/** The round of the run's last `ConsolidationTriggered` in the log (the planner records them); 0 when none. */
export async function latestRecordedConsolidationRound(db: Kysely<Database>, runId: string): Promise<number> {
  const recorded = await db
    .selectFrom('event_log')
    .select(['payload'])
    .where('run_id', '=', runId)
    .where('type', '=', 'ConsolidationTriggered')
    .orderBy('run_seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return (recorded?.payload as { round?: number } | undefined)?.round ?? 0;
}
