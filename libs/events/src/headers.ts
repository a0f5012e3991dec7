/** NATS message header names and values used by Tributary publishers and consumers. */
import type { DescMessage } from '@bufbuild/protobuf';

/** JetStream dedupe key: the event id, batch id or trigger idempotency key. */
export const NATS_MSG_ID_HEADER = 'Nats-Msg-Id';

/** W3C trace context: the `traceparent` of the publishing span. */
export const TRACEPARENT_HEADER = 'traceparent';

/** W3C trace context: vendor-specific `tracestate`. */
export const TRACESTATE_HEADER = 'tracestate';

/** Run the message belongs to (lets consumers route without decoding the payload). */
export const RUN_ID_HEADER = 'Tributary-Run-Id';

/** Payload content type, see {@link contentTypeOf}. */
export const CONTENT_TYPE_HEADER = 'Content-Type';

/** Media type of protobuf binary payloads. */
export const PROTOBUF_CONTENT_TYPE = 'application/protobuf';

/** Content type naming the payload's message, e.g. `application/protobuf; proto=tributary.v1.DispatchBatch`. */
export function contentTypeOf(schema: DescMessage): string {
  return `${PROTOBUF_CONTENT_TYPE}; proto=${schema.typeName}`;
}
