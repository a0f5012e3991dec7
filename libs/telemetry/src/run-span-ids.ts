import { createHash } from 'node:crypto';

/**
 * Span ids of a run's own spans (the run, its groups, task instances and attempts), derived from the
 * run id: any process can parent a span under one of them before it is emitted (they are emitted when
 * the thing completes), and an emission repeated after a crash or a clear carries the same id.
 */
function derivedId(hexChars: number, parts: readonly (string | number)[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, hexChars);
  // All-zero ids are invalid in W3C Trace Context; a 2^-64 chance, but never emit one.
  return /^0+$/.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}

/** The trace id of a run whose trigger carried no trace (the api starts every run's trace with it). */
export function runTraceId(runId: string): string {
  return derivedId(32, ['trace', runId]);
}

/** The run's root span. */
export function runSpanId(runId: string): string {
  return derivedId(16, ['run', runId]);
}

/** A group's span (`groupPath` as in the run view, e.g. `region=eu/market=PT`). */
export function groupSpanId(runId: string, groupPath: string): string {
  return derivedId(16, ['group', runId, groupPath]);
}

/** A task instance's span. */
export function taskInstanceSpanId(runId: string, taskId: string): string {
  return derivedId(16, ['task', runId, taskId]);
}

/** One attempt of a task instance. */
export function attemptSpanId(runId: string, taskId: string, attempt: number): string {
  return derivedId(16, ['attempt', runId, taskId, attempt]);
}

/** A sampled W3C `traceparent` naming `spanId` in `traceId`. */
export function traceparentOf(traceId: string, spanId: string): string {
  return `00-${traceId}-${spanId}-01`;
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The trace id inside a W3C `traceparent`, or null when there is none or it is malformed. */
export function traceIdOfTraceparent(traceparent: string | null | undefined): string | null {
  const match = traceparent ? TRACEPARENT.exec(traceparent) : null;
  return match ? match[1]! : null;
}
