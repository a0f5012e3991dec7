import { describe, expect, it } from 'vitest';
import { traceIdOfTraceparent, traceparentOf } from './run-span-ids.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('traceIdOfTraceparent', () => {
  it('reads the trace id back from a traceparent', () => {
    expect(traceIdOfTraceparent(traceparentOf(TRACE_ID, '00f067aa0ba902b7'))).toBe(TRACE_ID);
  });

  it('gives null for a missing or malformed traceparent', () => {
    expect(traceIdOfTraceparent(null)).toBeNull();
    expect(traceIdOfTraceparent(undefined)).toBeNull();
    expect(traceIdOfTraceparent('')).toBeNull();
    expect(traceIdOfTraceparent(`00-${TRACE_ID.toUpperCase()}-00f067aa0ba902b7-01`)).toBeNull();
    expect(traceIdOfTraceparent(`00-${TRACE_ID}-00f067aa0ba902b7`)).toBeNull();
  });
});
