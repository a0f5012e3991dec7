import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Tracer } from '@opentelemetry/api';
import type { DeadLetterEvent } from './dead-letter-advisory.js';
import type { BatchDeliveryHandler, DeliveryHandler } from './delivery.js';

/** Options shared by both modes of `JetStreamConsumerRunner`. */
export interface CommonRunnerOptions<T> {
  nc: NatsConnection;
  stream: string;
  /** An existing durable pull consumer (see `ensureConsumer`). */
  durable: string;
  /** Payload decoder; a throw terms the message and reports it to `onPoison`. @default the raw bytes */
  decode?: (msg: JsMsg) => T;
  /** Handler calls (messages, or batches) running at once. @default 16, or 1 with `handleBatch` */
  concurrency?: number;
  /** Messages pulled ahead of the handlers. @default batch size × (concurrency + 1) */
  maxMessages?: number;
  /** Nak delays after failures, by delivery count. @default the consumer's `backoff`, else 1 s, 5 s, 30 s, 2 min */
  retryBackoffMs?: readonly number[];
  /** Calls `working()` on in-flight messages this often while a handler runs. @default off */
  heartbeatMs?: number;
  /** Called before a message is termed (decode failure, PoisonMessageError, `Outcome.term`). If it throws, the message is nak'ed instead, except on its last allowed delivery. */
  onPoison?: (msg: JsMsg, reason: string, error?: unknown) => void | Promise<void>;
  /** Called when the server gave up on a message after `max_deliver` deliveries (MAX_DELIVERIES advisory). */
  onDeadLetter?: (event: DeadLetterEvent) => void | Promise<void>;
  /** Failed handlers (already nak'ed), hook failures and consumer trouble. @default console.error */
  onError?: (error: unknown, msg?: JsMsg) => void;
  /** @default trace.getTracer('@tributary/messaging') */
  tracer?: Tracer;
}

/** Options of `JetStreamConsumerRunner`: one message at a time (`handle`) or batches (`handleBatch`). */
export type ConsumerRunnerOptions<T> = CommonRunnerOptions<T> &
  ({ handle: DeliveryHandler<T>; handleBatch?: never; batchSize?: never } | { handleBatch: BatchDeliveryHandler<T>; batchSize: number; handle?: never });
