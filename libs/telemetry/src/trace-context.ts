import {
  context,
  ROOT_CONTEXT,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** Header names carried on every Tributary message (W3C Trace Context). */
export const TRACEPARENT_HEADER = 'traceparent';
/** Vendor-specific trace state that travels with `traceparent`. */
export const TRACESTATE_HEADER = 'tracestate';

/**
 * Headers as they arrive from a transport: NATS, HTTP and Kafka clients hand
 * out single values or lists, with whatever key casing the sender used.
 */
export type TraceHeaderCarrier = Readonly<Record<string, string | readonly string[] | undefined>>;

// A fixed W3C propagator (not the global one) so that messages carry
// traceparent/tracestate even in processes that never called initTelemetry,
// and so that extra global propagators (baggage, B3) never leak into headers.
const propagator = new W3CTraceContextPropagator();

const setter: TextMapSetter<Record<string, string>> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

const getter: TextMapGetter<TraceHeaderCarrier> = {
  keys(carrier) {
    return Object.keys(carrier);
  },
  get(carrier, key) {
    const wanted = key.toLowerCase();
    for (const name of Object.keys(carrier)) {
      if (name.toLowerCase() !== wanted) continue;
      const value = carrier[name];
      if (value === undefined) return undefined;
      return typeof value === 'string' ? value : [...value];
    }
    return undefined;
  },
};

/**
 * Serialises the span context of `ctx` (default: the active context) as W3C
 * `traceparent` / `tracestate` headers. Returns an empty record when `ctx`
 * holds no valid span context.
 */
export function injectTraceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, setter);
  return carrier;
}

/**
 * Rebuilds the remote span context carried by `headers` (keys compared
 * case-insensitively) on top of `base`, which defaults to the root context:
 * a message's parent is the sender's span, never whatever happens to be active
 * in the receiving process. Headers without a valid `traceparent` yield `base`.
 */
export function extractTraceContext(headers: TraceHeaderCarrier, base: Context = ROOT_CONTEXT): Context {
  return propagator.extract(base, headers, getter);
}

/**
 * The 32-hex trace id of the span in `ctx` (default: the active context), or
 * `undefined` when there is no valid span context.
 */
export function traceIdOf(ctx: Context = context.active()): string | undefined {
  const spanContext = trace.getSpanContext(ctx);
  if (spanContext === undefined || !trace.isSpanContextValid(spanContext)) return undefined;
  return spanContext.traceId;
}
