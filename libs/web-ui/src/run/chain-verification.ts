import type { LoggedEvent } from './attempts';

/** `prev_hash` of a run's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted recursively and no whitespace (RFC 8785 for JSON values): the text the
 * event log hashes (libs/event-store canonical-json.ts).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .sort()
    .filter((k) => record[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`)
    .join(',')}}`;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The hash an event must have after `prevHash` (libs/event-store event-hash.ts), from its exported fields. */
export function eventHash(prevHash: string, e: LoggedEvent): Promise<string> {
  const body = canonicalJson({
    actor: e.actor,
    attempt: e.attempt,
    event_id: e.eventId,
    occurred_at: e.occurredAt,
    payload: e.payload,
    run_id: e.runId,
    run_seq: e.runSeq,
    task_id: e.taskId,
    trace_id: e.traceId,
    type: e.type,
  });
  return sha256Hex(prevHash + body);
}

export type ChainCheck =
  { ok: true; events: number; head: string } | { ok: false; runSeq: number; problem: string };

/**
 * Recomputes the run's hash chain in the browser from the events the api answered: every event's hash
 * from its fields and the previous hash, and the run_seq without gaps. What the api answered, checked
 * here, not taken on trust (a checkpoint signature check needs the CLI: `tributary audit verify`).
 */
export async function verifyChain(events: readonly LoggedEvent[]): Promise<ChainCheck> {
  let prev = GENESIS_HASH;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.runSeq !== i + 1)
      return { ok: false, runSeq: e.runSeq, problem: `expected run_seq ${i + 1}: an event is missing` };
    if (e.prevHash !== prev)
      return { ok: false, runSeq: e.runSeq, problem: 'prev_hash is not the previous event’s hash' };
    const hash = await eventHash(prev, e);
    if (hash !== e.hash)
      return { ok: false, runSeq: e.runSeq, problem: 'its hash does not match its fields (edited?)' };
    prev = hash;
  }
  return { ok: true, events: events.length, head: prev };
}
