import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { computeEventHash, GENESIS_HASH } from './event-hash.js';
import { toStoredEvent } from './event-row.mapper.js';

/** Why a chain does not verify. */
export type ChainBreakReason =
  /** The row's content does not hash to its `hash`: the row was edited. */
  | 'hash_mismatch'
  /** The row's `prev_hash` is not the previous row's `hash`: a row before it was replaced or removed. */
  | 'prev_hash_mismatch'
  /** `run_seq` does not follow its predecessor by one: a row was deleted or inserted. */
  | 'run_seq_gap'
  /** The last row is not the run's `run_streams` head: rows were deleted at the end (or the head edited). */
  | 'head_mismatch';

/** Result of {@link verifyChain}. */
export type ChainVerification =
  | { ok: true; count: number }
  | {
      ok: false;
      /** `run_seq` of the first bad row (for `head_mismatch`: the head's `last_seq`). */
      runSeq: number;
      /** Its global `seq`; null for `head_mismatch`. */
      seq: string | null;
      eventId: string | null;
      reason: ChainBreakReason;
      /** Human-readable explanation. */
      detail: string;
    };

export interface VerifyChainOptions {
  /** Rows read per query. @default 1000 */
  pageSize?: number;
}

/**
 * Recomputes one run's hash chain from `event_log` and names the first row that
 * breaks it. Reads inside one REPEATABLE READ snapshot, so appends running
 * meanwhile cannot cause a false alarm.
 */
export async function verifyChain(
  db: Kysely<Database>,
  runId: string,
  options: VerifyChainOptions = {},
): Promise<ChainVerification> {
  const pageSize = options.pageSize ?? 1000;
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx): Promise<ChainVerification> => {
      let expectedRunSeq = 1;
      let prevHash = GENESIS_HASH;
      let lastRunSeq: number | undefined;
      for (;;) {
        let query = trx.selectFrom('event_log').selectAll().where('run_id', '=', runId);
        if (lastRunSeq !== undefined) query = query.where('run_seq', '>', lastRunSeq);
        const rows = await query.orderBy('run_seq').limit(pageSize).execute();
        for (const row of rows) {
          const event = toStoredEvent(row);
          const bad = (reason: ChainBreakReason, detail: string): ChainVerification => ({
            ok: false,
            runSeq: event.runSeq,
            seq: event.seq,
            eventId: event.eventId,
            reason,
            detail: `run ${runId}, run_seq ${event.runSeq} (seq ${event.seq}): ${detail}`,
          });
          if (event.runSeq !== expectedRunSeq)
            return bad('run_seq_gap', `expected run_seq ${expectedRunSeq}`);
          if (event.prevHash !== prevHash)
            return bad('prev_hash_mismatch', `prev_hash is not the hash of run_seq ${expectedRunSeq - 1}`);
          if (computeEventHash(event.prevHash, event) !== event.hash)
            return bad('hash_mismatch', 'content does not match its hash');
          prevHash = event.hash;
          lastRunSeq = event.runSeq;
          expectedRunSeq += 1;
        }
        if (rows.length < pageSize) break;
      }

      const count = expectedRunSeq - 1;
      const head = await trx
        .selectFrom('run_streams')
        .select(['last_seq', 'last_hash'])
        .where('run_id', '=', runId)
        .executeTakeFirst();
      const headSeq = head?.last_seq ?? 0;
      const headHash = head?.last_hash ?? GENESIS_HASH;
      if (headSeq !== count || headHash !== prevHash) {
        return {
          ok: false,
          runSeq: headSeq,
          seq: null,
          eventId: null,
          reason: 'head_mismatch',
          detail:
            headSeq === count
              ? `run ${runId}: the run's head hash is not the hash of its last event (run_seq ${count})`
              : `run ${runId}: the log ends at run_seq ${count} but the run's head is at run_seq ${headSeq}`,
        };
      }
      return { ok: true, count };
    });
}
