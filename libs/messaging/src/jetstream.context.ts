import type { JsMsg } from '@nats-io/jetstream';
import { Match, type MsgHdrs } from '@nats-io/transport-node';
import type { Context } from '@opentelemetry/api';
import { BaseRpcContext } from '@nestjs/microservices';
import type { Delivery } from './delivery.js';

/**
 * The `@Ctx()` of a handler served by {@link JetStreamServer}: the raw
 * JetStream message and its delivery. The transport acks, naks or terms the
 * message from the handler's result; the handler only reports progress.
 */
export class JetStreamContext extends BaseRpcContext<[JsMsg, Delivery<unknown>]> {
  /** The raw JetStream message. */
  getMessage(): JsMsg {
    return this.args[0];
  }

  /** The delivery (decoded payload, delivery count, trace context). */
  getDelivery(): Delivery<unknown> {
    return this.args[1];
  }

  getSubject(): string {
    return this.args[0].subject;
  }

  getHeaders(): MsgHdrs | undefined {
    return this.args[0].headers;
  }

  /** A header's first value (name compared case-insensitively), or undefined. */
  getHeader(name: string): string | undefined {
    const value = this.args[0].headers?.get(name, Match.IgnoreCase);
    return value ? value : undefined;
  }

  /** 1 on first delivery. */
  getDeliveryCount(): number {
    return this.args[1].deliveryCount;
  }

  /** The publisher's trace context. */
  getTraceContext(): Context {
    return this.args[1].traceContext;
  }

  /** Resets the ack-wait timer during long work (AckProgress). */
  working(): void {
    this.args[0].working();
  }
}
