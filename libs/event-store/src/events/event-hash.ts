import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { canonicalHashedPayload } from './hashed-payload.js';

/** `prev_hash` of a run's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an event that its hash covers. */
export interface HashedEventFields {
  eventId: string;
  runId: string;
  runSeq: number;
  type: string;
  taskId: string | null;
  attempt: number | null;
  payload: unknown;
  actor: string | null;
  traceId: string | null;
  occurredAt: Date;
}

/**
 * `sha256(prevHash + canonicalJson({ event_id, run_id, run_seq, type, task_id,
 * attempt, payload: hashedPayload(payload), actor, trace_id, occurred_at }))` as lowercase hex, with
 * `occurred_at` as ISO-8601 UTC with milliseconds (secret envelopes count by their digest, see
 * `hashedPayload`). Chaining each event to the
 * previous one of its run makes any edit, insertion or deletion visible.
 */
export function computeEventHash(prevHash: string, event: HashedEventFields): string {
  return hashWithCanonicalPayload(prevHash, event, canonicalJson(event.payload));
}

/**
 * {@link computeEventHash} for a payload whose canonical JSON the caller already has (the append writes
 * that same text), without walking the payload again. The outer object's keys are fixed, so its
 * canonical form is written in sorted key order by hand: the same text `canonicalJson` gives. Secret
 * envelopes in the text are replaced by their digest here (`hashedPayload`), for every caller.
 */
export function hashWithCanonicalPayload(
  prevHash: string,
  event: Omit<HashedEventFields, 'payload'>,
  payloadCanonical: string,
): string {
  const hashedCanonical = canonicalHashedPayload(payloadCanonical);
  const values: Record<(typeof HASHED_KEYS)[number], unknown> = {
    actor: event.actor,
    attempt: event.attempt,
    event_id: event.eventId,
    occurred_at: event.occurredAt.toISOString(),
    payload: undefined,
    run_id: event.runId,
    run_seq: event.runSeq,
    task_id: event.taskId,
    trace_id: event.traceId,
    type: event.type,
  };
  let body = '{';
  for (const key of HASHED_KEYS)
    body += `${body.length > 1 ? ',' : ''}"${key}":${key === 'payload' ? hashedCanonical : JSON.stringify(values[key])}`;
  return createHash('sha256')
    .update(prevHash)
    .update(body + '}')
    .digest('hex');
}

/** The hashed object's keys in canonical (sorted) order; none is ever absent (null stands for none). */
const HASHED_KEYS = [
  'actor',
  'attempt',
  'event_id',
  'occurred_at',
  'payload',
  'run_id',
  'run_seq',
  'task_id',
  'trace_id',
  'type',
] as const;
