import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import { GENESIS_HASH } from './event-hash.js';

/** The head of one run's stream, as locked by {@link lockRunStreams}. */
export interface RunStreamHead {
  runId: string;
  /** `run_seq` of the run's last event; 0 before the first. */
  lastSeq: number;
  /** `hash` of the run's last event; {@link GENESIS_HASH} before the first. */
  lastHash: string;
}

const CHUNK = 1000;

/**
 * Order of run ids for locking: UTF-8 byte order, the order of `COLLATE "C"`,
 * so that the order of JS-side inserts and SQL-side `ORDER BY` is the same.
 */
export function compareRunIds(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Locks the `run_streams` heads of `runIds` (creating missing ones) until the
 * transaction ends, and returns them by run id. Every writer of a run holds
 * this lock while it reads, decides and appends, which serialises the run.
 *
 * Deadlock freedom: all callers insert and lock in the same total order
 * (sorted run ids, byte order), so two transactions over [A, B] and [B, A]
 * queue behind each other instead of waiting on each other. Re-locking rows the
 * transaction already holds is a cheap no-op, so callers may lock before
 * deciding and then call `appendEventsInTransaction`.
 */
export async function lockRunStreams(
  trx: Transaction<Database>,
  runIds: readonly string[],
  options: {
    /**
     * Create the heads of runs that have none. `false` for callers that only write to existing runs
     * (the planner recording results): one statement instead of two, and runs without a head are
     * simply absent from the returned map.
     */
    create?: boolean;
  } = {},
): Promise<Map<string, RunStreamHead>> {
  const sorted = [...new Set(runIds)].sort(compareRunIds);
  const heads = new Map<string, RunStreamHead>();
  for (let i = 0; options.create !== false && i < sorted.length; i += CHUNK) {
    const chunk = sorted.slice(i, i + CHUNK);
    await trx
      .insertInto('run_streams')
      .values(chunk.map((runId) => ({ run_id: runId, last_seq: 0, last_hash: GENESIS_HASH })))
      .onConflict((conflict) => conflict.column('run_id').doNothing())
      .execute();
  }
  for (let i = 0; i < sorted.length; i += CHUNK) {
    const rows = await trx
      .selectFrom('run_streams')
      .select(['run_id', 'last_seq', 'last_hash'])
      .where('run_id', 'in', sorted.slice(i, i + CHUNK))
      .orderBy(sql`run_id collate "C"`)
      .forUpdate()
      .execute();
    for (const row of rows)
      heads.set(row.run_id, { runId: row.run_id, lastSeq: row.last_seq, lastHash: row.last_hash });
  }
  return heads;
}
