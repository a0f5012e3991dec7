import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { traceIdOf } from '@tributary/telemetry';
import { describe, expect, it } from 'vitest';
import { headerRecord, msgIdOf, outgoingHeaders, traceContextOfHeaders, traceContextOfMessage } from './message-headers.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED });

describe('outgoing headers', () => {
  it('always carry Nats-Msg-Id and the trace context, replacing a stale traceparent', () => {
    const hdrs = outgoingHeaders('batch-1', parent, { traceparent: 'stale', 'Tributary-Run-Id': 'r1' });

    expect(headerRecord(hdrs)).toEqual({
      'Tributary-Run-Id': ['r1'],
      'Nats-Msg-Id': ['batch-1'],
      traceparent: [`00-${TRACE_ID}-00f067aa0ba902b7-01`],
    });
    expect(msgIdOf({ headers: hdrs })).toBe('batch-1');
    expect(traceIdOf(traceContextOfMessage({ headers: hdrs }))).toBe(TRACE_ID);
  });

  it('find the trace of plain header values, whatever the key casing', () => {
    expect(traceIdOf(traceContextOfHeaders({ Traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` }))).toBe(TRACE_ID);
    expect(traceContextOfHeaders({ other: 'x' })).toBeUndefined();
    expect(traceIdOf(traceContextOfMessage({ headers: undefined }))).toBeUndefined();
  });
});
