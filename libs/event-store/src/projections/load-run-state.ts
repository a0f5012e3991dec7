import type { Kysely } from 'kysely';
import { evolve, initialRunState, type CompiledPlan, type RunEvent, type RunState } from '@tributary/domain';
import type { Database } from '../db/database.js';

const PAGE = 5000;

/** Folds a run's events from the log into its state: what the planner caches and what audit replays. */
export async function loadRunState(
  db: Kysely<Database>,
  plan: CompiledPlan,
  runId: string,
): Promise<{ state: RunState; lastRunSeq: number }> {
  const state = initialRunState(plan);
  let lastRunSeq = 0;
  for (;;) {
    // Only what the fold reads: parsing every column (two timestamps per row) cost more than the fold.
    const page = await db
      .selectFrom('event_log')
      .select(['run_seq', 'payload'])
      .where('run_id', '=', runId)
      .where('run_seq', '>=', lastRunSeq + 1)
      .orderBy('run_seq')
      .limit(PAGE)
      .execute();
    for (const row of page) {
      evolve(state, row.payload as RunEvent);
      lastRunSeq = row.run_seq;
    }
    if (page.length < PAGE) break;
  }
  state.dirtySlots.clear();
  state.dirtyGroups.clear();
  return { state, lastRunSeq };
}

/** The pipeline version a run pins, from its first event (TriggerAccepted or TriggerRejected). */
export async function pipelineOfRun(
  db: Kysely<Database>,
  runId: string,
): Promise<{ pipelineId: string; version: number } | null> {
  const row = await db
    .selectFrom('runs')
    .select(['pipeline_id', 'pipeline_version'])
    .where('run_id', '=', runId)
    .executeTakeFirst();
  return row ? { pipelineId: row.pipeline_id, version: row.pipeline_version } : null;
}
