import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

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
 * attempt, payload, actor, trace_id, occurred_at }))` as lowercase hex, with
 * `occurred_at` as ISO-8601 UTC with milliseconds. Chaining each event to the
 * previous one of its run makes any edit, insertion or deletion visible.
 */
export function computeEventHash(prevHash: string, event: HashedEventFields): string {
  const body = canonicalJson({
    event_id: event.eventId,
    run_id: event.runId,
    run_seq: event.runSeq,
    type: event.type,
    task_id: event.taskId,
    attempt: event.attempt,
    payload: event.payload,
    actor: event.actor,
    trace_id: event.traceId,
    occurred_at: event.occurredAt.toISOString(),
  });
  return createHash('sha256').update(prevHash).update(body).digest('hex');
}
