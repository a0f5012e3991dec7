import { computeEventHash, GENESIS_HASH, type HashedEventFields } from '../events/event-hash.js';

/** An event as exported or read, with the two hashes that chain it. */
export interface ChainedEvent extends HashedEventFields {
  prevHash: string;
  hash: string;
}

/** Why a chain breaks, as found without any head row: only the events themselves are trusted. */
export type ChainCheckReason =
  /** The row's content does not hash to its `hash`: the row was edited. */
  | 'hash_mismatch'
  /** `prev_hash` is not the previous row's `hash`: a row before it was replaced or removed. */
  | 'prev_hash_mismatch'
  /** `run_seq` does not follow its predecessor by one: a row was deleted or inserted. */
  | 'run_seq_gap'
  /** The event belongs to another run than the ones before it. */
  | 'run_id_mismatch';

export interface ChainBreak {
  runId: string;
  runSeq: number;
  eventId: string;
  reason: ChainCheckReason;
  detail: string;
}

/**
 * Recomputes one run's chain event by event, in `run_seq` order, trusting nothing but the events: the
 * first must be run_seq 1 chained to {@link GENESIS_HASH} (or start at a known `from` point), each next one
 * to its predecessor's hash. Shared by the offline file verifier, checkpoint creation and checkpoint
 * verification, so all three mean the same thing by "verifies".
 */
export class ChainChecker {
  private expectedRunSeq: number;
  private prevHash: string;
  private runId: string | null;

  constructor(from: { runId?: string; runSeq: number; hash: string } = { runSeq: 0, hash: GENESIS_HASH }) {
    this.expectedRunSeq = from.runSeq + 1;
    this.prevHash = from.hash;
    this.runId = from.runId ?? null;
  }

  /** The break this event causes, or null when it extends the chain (then it becomes the head). */
  add(event: ChainedEvent): ChainBreak | null {
    const bad = (reason: ChainCheckReason, detail: string): ChainBreak => ({
      runId: event.runId,
      runSeq: event.runSeq,
      eventId: event.eventId,
      reason,
      detail: `run ${event.runId}, run_seq ${event.runSeq} (event ${event.eventId}): ${detail}`,
    });
    if (this.runId !== null && event.runId !== this.runId)
      return bad('run_id_mismatch', `expected an event of run ${this.runId}`);
    if (event.runSeq !== this.expectedRunSeq)
      return bad('run_seq_gap', `expected run_seq ${this.expectedRunSeq}`);
    if (event.prevHash !== this.prevHash)
      return bad('prev_hash_mismatch', `prev_hash is not the hash of run_seq ${this.expectedRunSeq - 1}`);
    if (computeEventHash(event.prevHash, event) !== event.hash)
      return bad('hash_mismatch', 'content does not match its hash');
    this.runId = event.runId;
    this.prevHash = event.hash;
    this.expectedRunSeq += 1;
    return null;
  }

  /** The last verified event: its run_seq (0 before any) and hash. */
  get head(): { runSeq: number; hash: string } {
    return { runSeq: this.expectedRunSeq - 1, hash: this.prevHash };
  }
}
