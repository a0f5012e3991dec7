import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { readRunEvents } from '../events/read-run-events.js';
import { hashedPayload } from '../events/hashed-payload.js';
import type { StoredEvent } from '../events/stored-event.js';
import { ChainChecker, type ChainBreak } from './chain-checker.js';

const PAGE = 1000;

/** What reading a run's chain from a point found. */
export interface RunChainCheck {
  /** The first break, or null. */
  break: ChainBreak | null;
  /** The last event that verified: run_seq (0: none) and hash. */
  head: { runSeq: number; hash: string };
  /** Events read after `from` (0: the run has none there). */
  events: number;
  /** Hash of the event at `at.runSeq`, when asked for and reached. */
  hashAt: string | null;
}

/**
 * Reads a run's events after `from` (genesis by default) in pages and chains them with {@link ChainChecker},
 * stopping at the first break. `at` asks for the hash at one run_seq on the way (a checkpoint's head).
 */
export async function checkRunChain(
  db: Kysely<Database>,
  runId: string,
  options: { from?: { runSeq: number; hash: string }; atRunSeq?: number } = {},
): Promise<RunChainCheck> {
  const checker = new ChainChecker(
    options.from ? { runId, ...options.from } : { runId, runSeq: 0, hash: '0'.repeat(64) },
  );
  let next = (options.from?.runSeq ?? 0) + 1;
  let events = 0;
  let hashAt: string | null = null;
  for (;;) {
    const page = await readRunEvents(db, runId, { fromRunSeq: next, limit: PAGE });
    for (const event of page) {
      events += 1;
      const broken = checker.add(chainedOf(event));
      if (broken) return { break: broken, head: checker.head, events, hashAt };
      if (event.runSeq === options.atRunSeq) hashAt = event.hash;
    }
    if (page.length < PAGE) break;
    next = page[page.length - 1]!.runSeq + 1;
  }
  return { break: null, head: checker.head, events, hashAt };
}

/** A stored event in the form its hash covers (the exported payload form). */
export function chainedOf(event: StoredEvent) {
  return { ...event, payload: hashedPayload(event.payload) };
}
