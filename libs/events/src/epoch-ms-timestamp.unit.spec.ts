import { create } from '@bufbuild/protobuf';
import { TimestampSchema, timestampDate } from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import { MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS, epochMsFromTimestamp, timestampFromEpochMs } from './epoch-ms-timestamp.js';

describe('epoch ms ↔ Timestamp', () => {
  it.each([0, 1, 999, 1000, -1, -999, -1000, -1001, 1_795_000_000_123, MIN_TIMESTAMP_MS, MAX_TIMESTAMP_MS])('round-trips %d exactly', (ms) => {
    const timestamp = timestampFromEpochMs(ms);
    expect(timestamp.nanos).toBeGreaterThanOrEqual(0);
    expect(timestamp.nanos).toBeLessThan(1_000_000_000);
    expect(timestampDate(timestamp).getTime()).toBe(ms);
    expect(epochMsFromTimestamp(timestamp)).toEqual({ ok: true, ms });
  });

  it('keeps nanos non-negative before 1970', () => {
    expect(timestampFromEpochMs(-1)).toMatchObject({ seconds: -1n, nanos: 999_000_000 });
  });

  it.each([0.5, Number.NaN, Infinity, MIN_TIMESTAMP_MS - 1, MAX_TIMESTAMP_MS + 1])('refuses %d', (ms) => {
    expect(() => timestampFromEpochMs(ms)).toThrow(RangeError);
  });

  it('refuses timestamps that are not whole milliseconds or out of range', () => {
    expect(epochMsFromTimestamp(create(TimestampSchema, { seconds: 1n, nanos: 1 }))).toEqual({ ok: false, reason: 'has nanos 1, not a whole number of milliseconds' });
    expect(epochMsFromTimestamp(create(TimestampSchema, { seconds: 1n, nanos: -1_000_000 })).ok).toBe(false);
    expect(epochMsFromTimestamp(create(TimestampSchema, { seconds: 1n, nanos: 1_000_000_000 })).ok).toBe(false);
    expect(epochMsFromTimestamp(create(TimestampSchema, { seconds: 253_402_300_800n })).ok).toBe(false);
  });
});
