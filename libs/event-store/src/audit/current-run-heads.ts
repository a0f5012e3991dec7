import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { compareCodeUnits, type RunHead } from './checkpoint-format.js';

/** A run whose head row and log disagree: the database is inconsistent, nothing to sign. */
export interface HeadProblem {
  runId: string;
  detail: string;
}

/**
 * Every run's current head, read from `run_streams` (one row per run, O(runs)) and checked against
 * `event_log`: the head's row must exist with the head's hash, and no row may lie beyond it. Read in the
 * caller's snapshot so the heads and the global high-water mark belong to one moment.
 */
export async function readCurrentHeads(
  db: Kysely<Database>,
): Promise<{ heads: RunHead[]; problems: HeadProblem[]; highWaterSeq: string }> {
  const { rows } = await sql<{
    run_id: string;
    last_seq: number;
    last_hash: string;
    row_hash: string | null;
    beyond: boolean;
  }>`
    select s.run_id, s.last_seq, s.last_hash, e.hash as row_hash,
           exists (select 1 from event_log b where b.run_id = s.run_id and b.run_seq > s.last_seq) as beyond
    from run_streams s
    left join event_log e on e.run_id = s.run_id and e.run_seq = s.last_seq
    where s.last_seq > 0`.execute(db);
  const high = await sql<{ high: string | null }>`select max(seq)::text as high from event_log`.execute(db);
  const heads: RunHead[] = [];
  const problems: HeadProblem[] = [];
  for (const row of rows) {
    if (row.row_hash === null)
      problems.push({
        runId: row.run_id,
        detail: `its head is run_seq ${row.last_seq}, but the log has no such row`,
      });
    else if (row.row_hash !== row.last_hash)
      problems.push({
        runId: row.run_id,
        detail: `the hash of run_seq ${row.last_seq} is not the run's head hash`,
      });
    else if (row.beyond)
      problems.push({
        runId: row.run_id,
        detail: `the log has rows after its head (run_seq ${row.last_seq})`,
      });
    else heads.push({ runId: row.run_id, lastRunSeq: row.last_seq, headHash: row.last_hash });
  }
  heads.sort((a, b) => compareCodeUnits(a.runId, b.runId));
  return { heads, problems, highWaterSeq: high.rows[0]?.high ?? '0' };
}
