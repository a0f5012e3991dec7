/**
 * One entry of `GET /runs/:id/events`: an event of the run's log with every field its hash covers
 * (docs/audit.md); the event store's `ExportedEvent` has this shape.
 */
export interface RunEvent {
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

/** One entry of `GET /runs/:id/tasks/:taskId/logs`: a line a handler logged. */
export interface TaskLogEntry {
  attempt: number;
  at: string;
  level: string;
  message: string;
  fields: unknown;
}
