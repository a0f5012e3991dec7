import { sql, type Kysely } from 'kysely';
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
    // A page of payloads as ONE JSON array: one parse instead of a protocol row per event (5× less CPU).
    const { rows } = await sql<{ events: string; last: number | null; n: number }>`
      select coalesce(json_agg(p.payload order by p.run_seq), '[]')::text as events,
             max(p.run_seq) as last, count(*)::int as n
      from (select run_seq, payload from event_log
            where run_id = ${runId} and run_seq > ${lastRunSeq}
            order by run_seq limit ${PAGE}) as p`.execute(db);
    const page = rows[0]!;
    for (const event of JSON.parse(page.events) as RunEvent[]) evolve(state, event);
    if (page.last !== null) lastRunSeq = page.last;
    if (page.n < PAGE) break;
  }
  state.dirtySlots.clear();
  state.dirtyGroups.clear();
  return { state, lastRunSeq };
}
