import type { EventLogRow } from '../tables/event-log.table.js';
import type { StoredEvent } from './stored-event.js';

/** Maps an `event_log` row to the domain-facing {@link StoredEvent}. */
export function toStoredEvent(row: EventLogRow): StoredEvent {
  return {
    seq: row.seq,
    eventId: row.event_id,
    runId: row.run_id,
    runSeq: row.run_seq,
    type: row.type,
    taskId: row.task_id,
    attempt: row.attempt,
    payload: row.payload,
    actor: row.actor,
    traceId: row.trace_id,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
