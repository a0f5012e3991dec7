import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { RunEvent } from '@tributary/domain';
import { DecodeError } from './decode-error.js';
import { EventBatchSchema } from './gen/tributary/v1/events_pb.js';
import { jsonFromBytes, jsonToBytes } from './json-bytes.js';
import { decodeRunEvent, fromEventEnvelope, type DecodedRunEvent, type RunEventMeta } from './run-event-envelope.js';

/** The last subject token of an event batch message (`<prefix>.event.task.<runId>.EventBatch`). */
export const EVENT_BATCH_TYPE = 'EventBatch';

/**
 * Events of one run as one message, in run_seq order, as `events_json` (the domain events in their log
 * form). Throws a `RangeError` for an empty batch or an event of another run, a `TypeError` for a value
 * JSON cannot hold.
 */
export function encodeRunEventBatch(runId: string, events: readonly { event: RunEvent; meta: RunEventMeta }[]): Uint8Array {
  if (events.length === 0) throw new RangeError(`an event batch of run ${runId} needs at least one event`);
  const items = events.map(({ event, meta }) => {
    if (meta.runId !== runId) throw new RangeError(`event ${meta.eventId} belongs to run ${meta.runId}, not ${runId}`);
    if (typeof meta.eventId !== 'string' || meta.eventId === '') throw new RangeError(`meta.eventId must be a non-empty string, got ${JSON.stringify(meta.eventId)}`);
    return {
      meta: { eventId: meta.eventId, runId, runSeq: Number(meta.runSeq), actor: meta.actor || null, traceId: meta.traceId || null },
      event,
    };
  });
  return toBinary(EventBatchSchema, create(EventBatchSchema, { runId, eventsJson: jsonToBytes(items) }));
}

/**
 * Decodes what an EVENTS message holds — one envelope, or a batch when `subject` ends in `.EventBatch` —
 * into domain events. Never throws; a batch with one bad event is refused whole.
 */
export function decodeRunEvents(subject: string, bytes: Uint8Array): { ok: true; events: DecodedRunEvent[] } | { ok: false; error: DecodeError } {
  if (!subject.endsWith(`.${EVENT_BATCH_TYPE}`)) {
    const one = decodeRunEvent(bytes);
    return one.ok ? { ok: true, events: [one] } : one;
  }
  let batch;
  try {
    batch = fromBinary(EventBatchSchema, bytes);
  } catch (error) {
    return { ok: false, error: new DecodeError(EventBatchSchema.typeName, bytes.byteLength, error) };
  }
  const events: DecodedRunEvent[] = [];
  if (batch.eventsJson.length > 0) {
    const parsed = jsonFromBytes(batch.eventsJson);
    const invalid = (why: string) => ({ ok: false as const, error: new DecodeError(EventBatchSchema.typeName, bytes.byteLength, new TypeError(`events_json: ${why}`)) });
    if (!parsed.ok) return { ok: false, error: parsed.error };
    if (!Array.isArray(parsed.value)) return invalid('expected an array');
    for (const [i, item] of parsed.value.entries()) {
      const { meta, event } = (item ?? {}) as { meta?: Record<string, unknown>; event?: Record<string, unknown> };
      if (typeof event !== 'object' || event === null || typeof event.type !== 'string') return invalid(`[${i}].event has no type`);
      if (typeof meta !== 'object' || meta === null || typeof meta.eventId !== 'string' || meta.eventId === '') return invalid(`[${i}].meta.eventId is missing`);
      if (meta.runId !== batch.runId) return invalid(`[${i}].meta.runId ${JSON.stringify(meta.runId)} is not the batch's run ${JSON.stringify(batch.runId)}`);
      if (!Number.isSafeInteger(meta.runSeq) || (meta.runSeq as number) < 1) return invalid(`[${i}].meta.runSeq must be an integer ≥ 1`);
      events.push({
        ok: true,
        event: event as unknown as RunEvent,
        meta: {
          eventId: meta.eventId,
          runId: batch.runId,
          runSeq: meta.runSeq as number,
          actor: typeof meta.actor === 'string' && meta.actor !== '' ? meta.actor : null,
          traceId: typeof meta.traceId === 'string' && meta.traceId !== '' ? meta.traceId : null,
        },
      });
    }
  }
  for (const envelope of batch.events) {
    const decoded = fromEventEnvelope(envelope);
    if (!decoded.ok) return { ok: false, error: new DecodeError(EventBatchSchema.typeName, bytes.byteLength, decoded.error) };
    events.push(decoded);
  }
  return { ok: true, events };
}
