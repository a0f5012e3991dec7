import { hashedPayload } from '../events/hashed-payload.js';
import type { StoredEvent } from '../events/stored-event.js';

/** Version tag of the NDJSON export's header line (docs/audit.md). */
export const EXPORT_FORMAT = 'tributary-audit-export/1';

/**
 * One event as it leaves the database — `GET /runs/:id/events` and each line of `audit export` — with every
 * field its hash covers (payload in its hashed form) and the two hashes, so anyone can recompute the chain.
 */
export interface ExportedEvent {
  /** Global `event_log.seq` (informational: not hashed). */
  seq: number;
  eventId: string;
  runId: string;
  runSeq: number;
  type: string;
  taskId: string | null;
  attempt: number | null;
  payload: unknown;
  actor: string | null;
  traceId: string | null;
  /** ISO-8601 UTC with milliseconds, exactly as hashed. */
  occurredAt: string;
  prevHash: string;
  hash: string;
}

/** The first line of an export: what follows and how to check it. */
export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  runId: string;
  /** Number of event lines that follow. */
  events: number;
  /** `hash` of the last event line (the head the export ends at). */
  headHash: string;
  exportedAt: string;
}

export function toExportedEvent(event: StoredEvent): ExportedEvent {
  return {
    seq: Number(event.seq),
    eventId: event.eventId,
    runId: event.runId,
    runSeq: event.runSeq,
    type: event.type,
    taskId: event.taskId,
    attempt: event.attempt,
    payload: hashedPayload(event.payload),
    actor: event.actor,
    traceId: event.traceId,
    occurredAt: event.occurredAt.toISOString(),
    prevHash: event.prevHash,
    hash: event.hash,
  };
}
