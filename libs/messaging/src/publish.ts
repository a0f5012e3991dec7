import { JetStreamApiError, type JetStreamClient, type JetStreamPublishOptions } from '@nats-io/jetstream';
import { context, SpanKind, trace, type Context } from '@opentelemetry/api';
import { withSpan } from '@tributary/telemetry';
import { outgoingHeaders, traceContextOfHeaders } from './message-headers.js';

const tracer = trace.getTracer('@tributary/messaging');

/** Options of {@link publish}. */
export interface PublishOptions {
  /** `Nats-Msg-Id`: JetStream drops a second message with the same id inside the stream's dedupe window. */
  msgId: string;
  /** Extra headers; a `traceparent` here is the parent when `traceContext` is not given. */
  headers?: Readonly<Record<string, string>>;
  /** Parent of the publish span (e.g. the trace recorded with an outbox row). @default the active context */
  traceContext?: Context;
  /** Reject unless this stream stores the message (`Nats-Expected-Stream`). */
  expectedStream?: string;
  /** How long to wait for the PubAck. @default the JetStream client's timeout */
  timeoutMs?: number;
}

/** The PubAck of a stored (or deduplicated) message. */
export interface PublishResult {
  readonly stream: string;
  readonly seq: number;
  /** True when JetStream already had a message with this `Nats-Msg-Id`: nothing was stored. */
  readonly duplicate: boolean;
}

/** A publish that did not get a PubAck. */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  constructor(
    readonly subject: string,
    readonly msgId: string,
    message: string,
    /** False when the server refused the message itself (retrying sends the same refusal). */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(`publish ${subject} (${msgId}): ${message}`, options);
  }
}

/**
 * Publishes one message and waits for its PubAck, inside a PRODUCER span
 * `publish <subject>` whose parent is `traceContext`, the `traceparent` in
 * `headers`, or the active context. Always sends `Nats-Msg-Id` and the span's
 * `traceparent`/`tracestate`. Throws {@link PublishError}.
 */
export async function publish(
  js: JetStreamClient,
  subject: string,
  payload: Uint8Array,
  options: PublishOptions,
): Promise<PublishResult> {
  const parent = options.traceContext ?? traceContextOfHeaders(options.headers) ?? context.active();
  return withSpan(
    `publish ${subject}`,
    { parent, kind: SpanKind.PRODUCER, tracer, attributes: producerAttributes(subject, options.msgId, payload) },
    async (span) => {
      const result = await sendOne(js, subject, payload, { ...options, traceContext: context.active() });
      span.setAttribute('messaging.nats.stream_sequence', result.seq);
      span.setAttribute('messaging.nats.duplicate', result.duplicate);
      return result;
    },
  );
}

/** One message of {@link publishMany}. */
export interface OutgoingMessage {
  readonly subject: string;
  readonly payload: Uint8Array;
  readonly msgId: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The message's own trace; without it the message joins the batch span. */
  readonly traceContext?: Context;
}

/** Options of {@link publishMany}. */
export interface PublishManyOptions {
  /** PubAcks awaited at once. @default 256 */
  concurrency?: number;
  /** Per-message PubAck timeout. */
  timeoutMs?: number;
  /** Parent of the `publish_batch` span. @default the active context */
  traceContext?: Context;
}

/** Per-message result of {@link publishMany}, in input order. */
export type PublishSettlement = ({ readonly ok: true } & PublishResult) | { readonly ok: false; readonly error: PublishError };

/**
 * Publishes many messages with up to `concurrency` PubAcks outstanding (a
 * sliding window, not one round trip per message), for an outbox relay.
 * Never throws for a single message: each gets a settlement, so the relay can
 * mark what was stored and retry the rest. One PRODUCER span covers the batch;
 * messages without their own `traceContext`/`traceparent` carry its context.
 */
export async function publishMany(
  js: JetStreamClient,
  messages: readonly OutgoingMessage[],
  options: PublishManyOptions = {},
): Promise<PublishSettlement[]> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 256));
  const settlements = new Array<PublishSettlement>(messages.length);
  if (messages.length === 0) return settlements;

  return withSpan(
    'publish_batch',
    {
      parent: options.traceContext ?? context.active(),
      kind: SpanKind.PRODUCER,
      tracer,
      attributes: { 'messaging.system': 'nats', 'messaging.operation.type': 'send', 'messaging.batch.message_count': messages.length },
    },
    async (span) => {
      const batchContext = context.active();
      let next = 0;
      let failed = 0;
      const worker = async () => {
        while (next < messages.length) {
          const index = next++;
          const message = messages[index]!;
          const traceContext = message.traceContext ?? traceContextOfHeaders(message.headers) ?? batchContext;
          try {
            const result = await sendOne(js, message.subject, message.payload, {
              msgId: message.msgId,
              headers: message.headers,
              traceContext,
              timeoutMs: options.timeoutMs,
            });
            settlements[index] = { ok: true, ...result };
          } catch (error) {
            failed++;
            settlements[index] = { ok: false, error: error as PublishError };
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, messages.length) }, worker));
      span.setAttribute('tributary.publish.failed', failed);
      return settlements;
    },
  );
}

async function sendOne(
  js: JetStreamClient,
  subject: string,
  payload: Uint8Array,
  options: PublishOptions & { traceContext: Context },
): Promise<PublishResult> {
  const publishOptions: Partial<JetStreamPublishOptions> = {
    msgID: options.msgId,
    headers: outgoingHeaders(options.msgId, options.traceContext, options.headers),
  };
  if (options.timeoutMs !== undefined) publishOptions.timeout = options.timeoutMs;
  if (options.expectedStream !== undefined) publishOptions.expect = { streamName: options.expectedStream };
  try {
    const ack = await js.publish(subject, payload, publishOptions);
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  } catch (error) {
    throw toPublishError(subject, options.msgId, error);
  }
}

function toPublishError(subject: string, msgId: string, error: unknown): PublishError {
  if (error instanceof JetStreamApiError) {
    // The stream refused this message (wrong expected stream/sequence, too large…).
    return new PublishError(subject, msgId, `refused by the server: ${error.message} (${error.code})`, false, { cause: error });
  }
  const name = error instanceof Error ? error.name : '';
  const reason = error instanceof Error ? error.message : String(error);
  if (/max[_ ]?payload/i.test(reason)) {
    // Larger than the server takes: sending it again cannot work.
    return new PublishError(subject, msgId, `larger than the server's max_payload (${reason})`, false, { cause: error });
  }
  if (name === 'JetStreamNotEnabled' || name === 'NoRespondersError') {
    // nats.js reports "no responders" this way: no stream captures the subject (yet).
    return new PublishError(subject, msgId, `no stream captures this subject, or JetStream is unavailable (${reason})`, true, {
      cause: error,
    });
  }
  return new PublishError(subject, msgId, reason, true, { cause: error });
}

function producerAttributes(subject: string, msgId: string, payload: Uint8Array) {
  return {
    'messaging.system': 'nats',
    'messaging.operation.type': 'send',
    'messaging.destination.name': subject,
    'messaging.message.id': msgId,
    'messaging.message.body.size': payload.byteLength,
  };
}
