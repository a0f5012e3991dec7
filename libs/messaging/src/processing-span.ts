import type { JsMsg } from '@nats-io/jetstream';
import { trace, type Attributes, type Context, type Link } from '@opentelemetry/api';
import { msgIdOf } from './message-headers.js';

/** OpenTelemetry messaging attributes of a `consumer.process` span (one message when `msg` is given). */
export function processingAttributes(stream: string, durable: string, msg?: JsMsg): Attributes {
  const attributes: Attributes = {
    'messaging.system': 'nats',
    'messaging.operation.type': 'process',
    'messaging.consumer.group.name': durable,
    'messaging.nats.stream': stream,
  };
  if (msg) {
    attributes['messaging.destination.name'] = msg.subject;
    attributes['messaging.nats.stream_sequence'] = msg.info.streamSequence;
    attributes['messaging.nats.delivery_count'] = msg.info.deliveryCount;
    const msgId = msgIdOf(msg);
    if (msgId) attributes['messaging.message.id'] = msgId;
  }
  return attributes;
}

/** Span links to each valid trace among `contexts` (a batch span links every message's publisher). */
export function linksTo(contexts: readonly Context[]): Link[] {
  const links: Link[] = [];
  for (const ctx of contexts) {
    const spanContext = trace.getSpanContext(ctx);
    if (spanContext !== undefined && trace.isSpanContextValid(spanContext)) links.push({ context: spanContext });
  }
  return links;
}
