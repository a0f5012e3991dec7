import type { JsMsg } from '@nats-io/jetstream';
import { headers as createHeaders, Match, type MsgHdrs } from '@nats-io/transport-node';
import type { Context } from '@opentelemetry/api';
import { extractTraceContext, injectTraceHeaders, TRACEPARENT_HEADER, TRACESTATE_HEADER } from '@tributary/telemetry';

/** JetStream's dedupe header. */
export const MSG_ID_HEADER = 'Nats-Msg-Id';

/**
 * Builds the headers of an outgoing message: the caller's `headers`, then
 * `Nats-Msg-Id` and the W3C trace headers of `traceContext` (which replace
 * any `traceparent`/`tracestate` the caller passed).
 */
export function outgoingHeaders(
  msgId: string,
  traceContext: Context,
  extra: Readonly<Record<string, string>> = {},
): MsgHdrs {
  const hdrs = createHeaders();
  for (const [key, value] of Object.entries(extra)) {
    const lower = key.toLowerCase();
    if (lower === TRACEPARENT_HEADER || lower === TRACESTATE_HEADER || lower === MSG_ID_HEADER.toLowerCase()) continue;
    hdrs.set(key, value);
  }
  hdrs.set(MSG_ID_HEADER, msgId);
  for (const [key, value] of Object.entries(injectTraceHeaders(traceContext))) hdrs.set(key, value);
  return hdrs;
}

/** The trace context carried by plain header values (e.g. an outbox row's headers). */
export function traceContextOfHeaders(headers: Readonly<Record<string, string>> | undefined): Context | undefined {
  if (headers === undefined) return undefined;
  const hasParent = Object.keys(headers).some((key) => key.toLowerCase() === TRACEPARENT_HEADER);
  return hasParent ? extractTraceContext(headers) : undefined;
}

/** The sender's trace context of a received message (root context when it carries none). */
export function traceContextOfMessage(msg: Pick<JsMsg, 'headers'>): Context {
  return extractTraceContext(headerRecord(msg.headers));
}

/** The `Nats-Msg-Id` of a received message, if any. */
export function msgIdOf(msg: Pick<JsMsg, 'headers'>): string | undefined {
  const value = msg.headers?.get(MSG_ID_HEADER, Match.IgnoreCase);
  return value ? value : undefined;
}

/** Header values by name (NATS allows repeated headers: values are lists). */
export function headerRecord(hdrs: MsgHdrs | undefined): Record<string, string[]> {
  const record: Record<string, string[]> = {};
  if (hdrs === undefined) return record;
  for (const [key, values] of hdrs) record[key] = values;
  return record;
}
