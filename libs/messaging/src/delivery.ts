import type { JsMsg } from '@nats-io/jetstream';
import type { Context } from '@opentelemetry/api';
import { msgIdOf } from './message-headers.js';
import type { Outcome } from './message-outcome.js';

/** One received message, decoded, as handed to a consumer handler. */
export interface Delivery<T> {
  /** The decoded payload. */
  readonly payload: T;
  /** The raw JetStream message (headers, data, delivery info). Do not ack it yourself: return an {@link Outcome}. */
  readonly msg: JsMsg;
  readonly subject: string;
  /** 1 on first delivery; compare with the consumer's `maxDeliver`. */
  readonly deliveryCount: number;
  readonly streamSequence: number;
  /** `Nats-Msg-Id`, when the publisher set one. */
  readonly msgId: string | undefined;
  /** The publisher's trace context (the parent of the processing span). */
  readonly traceContext: Context;
  /** Resets the server's ack-wait timer: call it during long work so the message is not redelivered meanwhile. */
  working(): void;
}

/** Handles one message; returning nothing acks it, throwing naks it with backoff. */
export type DeliveryHandler<T> = (delivery: Delivery<T>) => Outcome | void | Promise<Outcome | void>;

/**
 * Handles up to `batchSize` already-received messages at once (e.g. one DB
 * transaction); returns one outcome per delivery, in order, or nothing to ack
 * all. Throwing naks the whole batch with backoff.
 */
export type BatchDeliveryHandler<T> = (
  deliveries: readonly Delivery<T>[],
) => readonly (Outcome | void)[] | void | Promise<readonly (Outcome | void)[] | void>;

/** Wraps a received message for a handler. */
export function createDelivery<T>(msg: JsMsg, payload: T, traceContext: Context): Delivery<T> {
  return {
    payload,
    msg,
    subject: msg.subject,
    deliveryCount: msg.info.deliveryCount,
    streamSequence: msg.info.streamSequence,
    msgId: msgIdOf(msg),
    traceContext,
    working: () => msg.working(),
  };
}
