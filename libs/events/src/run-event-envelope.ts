/**
 * Domain `RunEvent` ↔ `tributary.v1.EventEnvelope`, lossless both ways: the
 * body is the event's own message (see run-event-body.ts), the header carries
 * the event log's metadata plus the fields derived from the event (type,
 * task_id, attempt, occurred_at = `at`), which decoding checks against the body.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import type { RunEvent } from '@tributary/domain';
import { decodeEventEnvelope } from './codecs.js';
import { DecodeError } from './decode-error.js';
import { epochMsFromTimestamp, timestampFromEpochMs } from './epoch-ms-timestamp.js';
import { EventEnvelopeSchema, type EventEnvelope } from './gen/tributary/v1/events_pb.js';
import { InvalidEventEnvelopeError } from './invalid-event-envelope-error.js';
import { runEventFromBody, runEventToBody } from './run-event-body.js';

/** What the event log knows about an event besides the event itself. */
export interface RunEventMeta {
  /** UUID of the event, used as `Nats-Msg-Id`; not empty. */
  readonly eventId: string;
  /** The run; not empty. Must equal the `runId` of TriggerAccepted/TriggerRejected. */
  readonly runId: string;
  /** 1-based position of the event within its run; at most `Number.MAX_SAFE_INTEGER`. */
  readonly runSeq: number | bigint;
  /** Who caused the event ("planner", "fan-in", an operator); null when unknown. An empty string is written as null. */
  readonly actor: string | null;
  /** W3C trace id (32 hex) of the trace that produced the event; null when none. An empty string is written as null. */
  readonly traceId: string | null;
}

/** {@link RunEventMeta} as read back from an envelope: `runSeq` is always a number. */
export interface DecodedRunEventMeta extends RunEventMeta {
  readonly runSeq: number;
}

/** A domain event with its metadata, read from an envelope. */
export interface DecodedRunEvent {
  readonly ok: true;
  readonly event: RunEvent;
  readonly meta: DecodedRunEventMeta;
}

/** Outcome of {@link fromEventEnvelope}; never throws. */
export type FromEventEnvelopeResult = DecodedRunEvent | { readonly ok: false; readonly error: InvalidEventEnvelopeError };

/** Outcome of {@link decodeRunEvent}; never throws. */
export type DecodeRunEventResult = DecodedRunEvent | { readonly ok: false; readonly error: DecodeError };

const MAX_RUN_SEQ = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The envelope of `event`: its body message, `type`, `task_id`, `attempt` (0
 * when the event has none), `occurred_at` = `at`, and the header fields of `meta`.
 * Throws a `RangeError`/`TypeError` naming the field when `meta` is invalid, a
 * trigger event's `runId` differs from `meta.runId`, or a value has no lossless
 * protobuf form (see `runEventToBody`).
 */
export function toEventEnvelope(event: RunEvent, meta: RunEventMeta): EventEnvelope {
  const body = runEventToBody(event);
  const runSeq = runSeqOf(meta.runSeq);
  if (typeof meta.eventId !== 'string' || meta.eventId === '') throw new RangeError(`meta.eventId must be a non-empty string, got ${JSON.stringify(meta.eventId)}`);
  if (typeof meta.runId !== 'string' || meta.runId === '') throw new RangeError(`meta.runId must be a non-empty string, got ${JSON.stringify(meta.runId)}`);
  if ('runId' in event && event.runId !== meta.runId) {
    throw new RangeError(`${event.type}.runId ${JSON.stringify(event.runId)} differs from meta.runId ${JSON.stringify(meta.runId)}`);
  }
  return create(EventEnvelopeSchema, {
    eventId: meta.eventId,
    runId: meta.runId,
    runSeq,
    type: event.type,
    taskId: 'taskId' in event ? event.taskId : '',
    attempt: 'attempt' in event ? event.attempt : 0,
    actor: meta.actor ?? '',
    traceId: meta.traceId ?? '',
    occurredAt: timestampFromEpochMs(event.at),
    body,
  });
}

/**
 * The domain event and metadata held by `envelope`, or `ok: false` with an
 * {@link InvalidEventEnvelopeError} when the body is unset or invalid, or the
 * header disagrees with the body (type, task_id, attempt, occurred_at, run_id
 * of trigger events) or lacks event_id, run_id or a run_seq ≥ 1. Never throws.
 */
export function fromEventEnvelope(envelope: EventEnvelope): FromEventEnvelopeResult {
  try {
    const event = runEventFromBody(envelope.body);
    checkHeader(envelope, event);
    const meta: DecodedRunEventMeta = {
      eventId: envelope.eventId,
      runId: envelope.runId,
      runSeq: Number(envelope.runSeq),
      actor: envelope.actor === '' ? null : envelope.actor,
      traceId: envelope.traceId === '' ? null : envelope.traceId,
    };
    return { ok: true, event, meta };
  } catch (error) {
    if (error instanceof InvalidEventEnvelopeError) return { ok: false, error };
    return { ok: false, error: new InvalidEventEnvelopeError('envelope', `cannot be read: ${error instanceof Error ? error.message : String(error)}`, error) };
  }
}

/** `toEventEnvelope` then protobuf binary: the payload of the event log and of `event.<runId>.<type>`. Throws as `toEventEnvelope`. */
export function encodeRunEvent(event: RunEvent, meta: RunEventMeta): Uint8Array {
  return toBinary(EventEnvelopeSchema, toEventEnvelope(event, meta));
}

/**
 * Decodes protobuf binary of an EventEnvelope into the domain event and its
 * metadata. Never throws: undecodable bytes and envelopes that hold no valid
 * domain event both give `ok: false` with a {@link DecodeError} (for the
 * latter, its `cause` is the {@link InvalidEventEnvelopeError}).
 */
export function decodeRunEvent(bytes: Uint8Array): DecodeRunEventResult {
  const decoded = decodeEventEnvelope(bytes);
  if (!decoded.ok) return decoded;
  const result = fromEventEnvelope(decoded.value);
  if (result.ok) return result;
  return { ok: false, error: new DecodeError(EventEnvelopeSchema.typeName, bytes.byteLength, result.error) };
}

function runSeqOf(runSeq: number | bigint): bigint {
  const valid = typeof runSeq === 'bigint' ? runSeq >= 1n && runSeq <= MAX_RUN_SEQ : Number.isSafeInteger(runSeq) && runSeq >= 1;
  if (!valid) throw new RangeError(`meta.runSeq must be an integer from 1 to ${Number.MAX_SAFE_INTEGER}, got ${String(runSeq)}`);
  return BigInt(runSeq);
}

function checkHeader(envelope: EventEnvelope, event: RunEvent): void {
  if (envelope.type !== event.type) throw new InvalidEventEnvelopeError('type', `is ${JSON.stringify(envelope.type)} but the body is a ${event.type}`);
  const taskId = 'taskId' in event ? event.taskId : '';
  if (envelope.taskId !== taskId) throw new InvalidEventEnvelopeError('taskId', `is ${JSON.stringify(envelope.taskId)} but the body's is ${JSON.stringify(taskId)}`);
  const attempt = 'attempt' in event ? event.attempt : 0;
  if (envelope.attempt !== attempt) throw new InvalidEventEnvelopeError('attempt', `is ${envelope.attempt} but the body's is ${attempt}`);
  if (envelope.occurredAt === undefined) throw new InvalidEventEnvelopeError('occurredAt', 'is missing');
  const occurredAt = epochMsFromTimestamp(envelope.occurredAt);
  if (!occurredAt.ok) throw new InvalidEventEnvelopeError('occurredAt', occurredAt.reason);
  if (occurredAt.ms !== event.at) throw new InvalidEventEnvelopeError('occurredAt', `is ${occurredAt.ms} ms but the body's at is ${event.at} ms`);
  if (envelope.eventId === '') throw new InvalidEventEnvelopeError('eventId', 'is empty');
  if (envelope.runId === '') throw new InvalidEventEnvelopeError('runId', 'is empty');
  if ('runId' in event && event.runId !== envelope.runId) {
    throw new InvalidEventEnvelopeError('runId', `is ${JSON.stringify(envelope.runId)} but the body's is ${JSON.stringify(event.runId)}`);
  }
  if (envelope.runSeq < 1n || envelope.runSeq > MAX_RUN_SEQ) throw new InvalidEventEnvelopeError('runSeq', `is ${envelope.runSeq}, expected 1 to ${MAX_RUN_SEQ}`);
}
