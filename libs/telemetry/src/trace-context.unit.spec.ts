import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { extractTraceContext, injectTraceHeaders, traceIdOf } from './trace-context.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';

function contextWithSpan() {
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED });
}

describe('trace context headers', () => {
  it('round-trips the trace id through inject and extract', () => {
    const headers = injectTraceHeaders(contextWithSpan());

    expect(headers['traceparent']).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
    const extracted = extractTraceContext(headers);
    expect(traceIdOf(extracted)).toBe(TRACE_ID);
    expect(trace.getSpanContext(extracted)?.isRemote).toBe(true);
  });

  it('carries tracestate along with traceparent', () => {
    const headers = extractTraceContext({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: 'vendor=abc' });

    expect(injectTraceHeaders(headers)).toEqual({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: 'vendor=abc' });
  });

  it('reads header names case-insensitively and accepts value lists (as NATS headers give them)', () => {
    const extracted = extractTraceContext({ TraceParent: [`00-${TRACE_ID}-${SPAN_ID}-01`], 'Nats-Msg-Id': 'm-1' });

    expect(traceIdOf(extracted)).toBe(TRACE_ID);
  });

  it('injects nothing when there is no span, and extracts nothing from garbage', () => {
    expect(injectTraceHeaders(ROOT_CONTEXT)).toEqual({});
    expect(traceIdOf(extractTraceContext({ traceparent: 'not-a-traceparent' }))).toBeUndefined();
    expect(traceIdOf(extractTraceContext({}))).toBeUndefined();
  });
});
