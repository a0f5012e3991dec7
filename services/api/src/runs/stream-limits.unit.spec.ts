import { describe, expect, it } from 'vitest';
import { DEFAULT_STREAM_LIMITS, loadStreamLimits, StreamSlots } from './stream-limits.js';

describe('run stream limits', () => {
  it('reads the environment, with defaults, and names the variable of a bad value', () => {
    expect(loadStreamLimits({})).toEqual(DEFAULT_STREAM_LIMITS);
    expect(
      loadStreamLimits({
        TRIBUTARY_SSE_MAX_PER_TOKEN: '4',
        TRIBUTARY_SSE_MAX_TOTAL: '100',
        TRIBUTARY_SSE_MAX_BUFFER: '256KiB',
      }),
    ).toEqual({ perToken: 4, total: 100, maxBufferedBytes: 262_144 });
    expect(() => loadStreamLimits({ TRIBUTARY_SSE_MAX_BUFFER: '12' })).toThrow(
      'TRIBUTARY_SSE_MAX_BUFFER: expected a size of at least 4096 bytes (e.g. 65536, 256KiB, 1MiB), got "12"',
    );
    expect(() => loadStreamLimits({ TRIBUTARY_SSE_MAX_PER_TOKEN: '0' })).toThrow(
      'TRIBUTARY_SSE_MAX_PER_TOKEN: expected a whole number ≥ 1, got "0"',
    );
  });

  it('releases a slot once, however often release is called', () => {
    const slots = new StreamSlots({ perToken: 1, total: 2, maxBufferedBytes: 4096 });
    const release = slots.acquire('t');
    expect(() => slots.acquire('t')).toThrow(/TRIBUTARY_SSE_MAX_PER_TOKEN=1/);
    release();
    release();
    expect(slots.size).toBe(0);
    slots.acquire('t');
    slots.acquire('u');
    expect(() => slots.acquire('v')).toThrow(/TRIBUTARY_SSE_MAX_TOTAL=2/);
  });
});
