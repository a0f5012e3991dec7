import type { Kysely } from 'kysely';
import { evolve, initialRunState, type CompiledPlan, type RunEvent, type RunState } from '@tributary/domain';
import type { Database } from '../db/database.js';
import { readRunEvents } from '../events/read-run-events.js';

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
    const page = await readRunEvents(db, runId, { fromRunSeq: lastRunSeq + 1, limit: PAGE });
    for (const stored of page) {
      evolve(state, stored.payload as RunEvent);
      lastRunSeq = stored.runSeq;
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
