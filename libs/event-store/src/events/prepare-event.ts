import { EventStoreError } from '../errors/event-store.error.js';
import { canonicalJson } from './canonical-json.js';
import type { NewEvent } from './stored-event.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INT4_MAX = 2_147_483_647;
// `\u0000` preceded by an even number of backslashes, i.e. an escaped NUL rather than a literal "\\u0000".
const ESCAPED_NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/;

/** A validated event whose payload is exactly what Postgres will store and return. */
export interface PreparedEvent {
  eventId: string;
  runId: string;
  type: string;
  taskId: string | null;
  attempt: number | null;
  payload: unknown;
  /** The payload's canonical JSON ({@link canonicalJson}): the text sent to Postgres and hashed. */
  payloadJson: string;
  actor: string | null;
  traceId: string | null;
  occurredAt: Date;
}

/**
 * Validates one event and normalises it to its stored form: lowercase UUID (the
 * form Postgres returns), optional fields as `null`, the payload through a JSON
 * round trip, and its canonical JSON text. The hash is computed over that text, which is what verification over the
 * stored row computes too (jsonb keeps the value; canonical JSON fixes its text).
 *
 * @throws EventStoreError (code `invalid_event`, not retryable) naming `events[index].field`.
 */
export function prepareEvent(event: NewEvent, index: number): PreparedEvent {
  const fail = (field: string, problem: string): never => {
    throw new EventStoreError(`events[${index}].${field}: ${problem}`, { code: 'invalid_event' });
  };
  if (typeof event.eventId !== 'string' || !UUID.test(event.eventId))
    fail('eventId', `expected a UUID, got ${describe(event.eventId)}`);
  if (typeof event.runId !== 'string' || event.runId === '') fail('runId', 'expected a non-empty string');
  if (typeof event.type !== 'string' || event.type === '') fail('type', 'expected a non-empty string');
  const taskId = optionalString(event.taskId, () => fail('taskId', 'expected a string or null'));
  const actor = optionalString(event.actor, () => fail('actor', 'expected a string or null'));
  const traceId = optionalString(event.traceId, () => fail('traceId', 'expected a string or null'));
  const attempt = event.attempt ?? null;
  if (attempt !== null && !(Number.isInteger(attempt) && attempt >= 0 && attempt <= INT4_MAX)) {
    fail('attempt', `expected a non-negative 32-bit integer, got ${describe(attempt)}`);
  }
  if (!(event.occurredAt instanceof Date) || Number.isNaN(event.occurredAt.getTime()))
    fail('occurredAt', 'expected a valid Date');

  let payloadJson: string | undefined;
  try {
    payloadJson = canonicalJson(event.payload === undefined ? null : event.payload);
  } catch (error) {
    fail('payload', `not JSON-serialisable (${(error as Error).message})`);
  }
  if (payloadJson === undefined) return fail('payload', 'not JSON-serialisable');
  // jsonb refuses the NUL character; say so here rather than as an opaque SQL error.
  if (ESCAPED_NUL.test(payloadJson)) fail('payload', 'strings must not contain the NUL character (\\u0000)');

  return {
    eventId: event.eventId.toLowerCase(),
    runId: event.runId,
    type: event.type,
    taskId,
    attempt,
    payload: JSON.parse(payloadJson),
    payloadJson,
    actor,
    traceId,
    occurredAt: event.occurredAt,
  };
}

function optionalString(value: unknown, onInvalid: () => never): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') onInvalid();
  return value as string;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
