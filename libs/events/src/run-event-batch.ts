import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { RunEvent } from '@tributary/domain';
import { DecodeError } from './decode-error.js';
import { EventBatchSchema } from './gen/tributary/v1/events_pb.js';
import { decodeRunEvent, fromEventEnvelope, toEventEnvelope, type DecodedRunEvent, type RunEventMeta } from './run-event-envelope.js';

/** The last subject token of an event batch message (`<prefix>.event.task.<runId>.EventBatch`). */
export const EVENT_BATCH_TYPE = 'EventBatch';

/** Events of one run as one message: the envelopes in run_seq order. Throws like `encodeRunEvent`. */
export function encodeRunEventBatch(runId: string, events: readonly { event: RunEvent; meta: RunEventMeta }[]): Uint8Array {
  if (events.length === 0) throw new RangeError(`an event batch of run ${runId} needs at least one event`);
  const envelopes = events.map(({ event, meta }) => {
    if (meta.runId !== runId) throw new RangeError(`event ${meta.eventId} belongs to run ${meta.runId}, not ${runId}`);
    return toEventEnvelope(event, meta);
  });
  return toBinary(EventBatchSchema, create(EventBatchSchema, { runId, events: envelopes }));
}

/**
 * Decodes what an EVENTS message holds — one envelope, or a batch when `subject` ends in `.EventBatch` —
 * into domain events. Never throws; a batch with one bad envelope is refused whole.
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
  for (const envelope of batch.events) {
    const decoded = fromEventEnvelope(envelope);
    if (!decoded.ok) return { ok: false, error: new DecodeError(EventBatchSchema.typeName, bytes.byteLength, decoded.error) };
    events.push(decoded);
  }
  return { ok: true, events };
}
