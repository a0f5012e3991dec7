/**
 * An event to append. Ids and time come from the caller (the domain decides
 * them), so appending the same decision twice is recognisable by `eventId`.
 */
export interface NewEvent {
  /** UUID; the idempotency key of the append. Stored and returned in lowercase. */
  eventId: string;
  runId: string;
  /** Past tense, e.g. `TaskInstanceSucceeded`. */
  type: string;
  taskId?: string | null;
  attempt?: number | null;
  /** Any JSON value; stored as jsonb. `undefined` is stored as JSON `null`. */
  payload: unknown;
  /** Who caused it (operator or service), for audit. */
  actor?: string | null;
  traceId?: string | null;
  occurredAt: Date;
}

/** An event as recorded in `event_log`. */
export interface StoredEvent {
  /** Global position (bigserial), as a decimal string. */
  seq: string;
  eventId: string;
  runId: string;
  /** Position within the run, gapless from 1. */
  runSeq: number;
  type: string;
  taskId: string | null;
  attempt: number | null;
  /** The payload as stored (a JSON round trip of what was given: no `undefined`, Dates as ISO strings). */
  payload: unknown;
  actor: string | null;
  traceId: string | null;
  occurredAt: Date;
  recordedAt: Date;
  /** `hash` of the previous event of the run, or 64 zeros for the first. */
  prevHash: string;
  /** sha256 hex, see `computeEventHash`. */
  hash: string;
}
