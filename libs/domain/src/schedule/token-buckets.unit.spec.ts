import { describe, expect, it } from 'vitest';
import { bucketCapacity, hasToken, nextTokenAtMs, refillBucket } from './token-buckets.js';

describe('token buckets', () => {
  it.each([
    [0.5, 1],
    [1, 1],
    [5, 5],
    [50, 50],
  ])('given rate %s/s, then the capacity is %s tokens', (rate, capacity) => {
    expect(bucketCapacity(rate)).toBe(capacity);
  });

  it.each([
    ['a pool never used starts full', undefined, 5, 1000, { tokens: 5, updatedAtMs: 1000 }],
    ['refills continuously', { tokens: 0, updatedAtMs: 0 }, 5, 300, { tokens: 1.5, updatedAtMs: 300 }],
    ['never above capacity', { tokens: 4, updatedAtMs: 0 }, 5, 10_000, { tokens: 5, updatedAtMs: 10_000 }],
    [
      'clock going backwards refills nothing',
      { tokens: 2, updatedAtMs: 500 },
      5,
      100,
      { tokens: 2, updatedAtMs: 500 },
    ],
    [
      'paused pool (rate 0) refills nothing',
      { tokens: 0, updatedAtMs: 0 },
      0,
      10_000,
      { tokens: 0, updatedAtMs: 10_000 },
    ],
    ['paused pool (rate 0) starts empty', undefined, 0, 0, { tokens: 0, updatedAtMs: 0 }],
  ] as const)('given %s, then refill gives the expected bucket', (_why, bucket, rate, now, expected) => {
    expect(refillBucket(bucket, rate, now)).toEqual(expected);
  });

  it.each([
    ['already has a token', { tokens: 1, updatedAtMs: 100 }, 5, 100],
    ['empty at 5/s: 200 ms', { tokens: 0, updatedAtMs: 100 }, 5, 300],
    ['half a token at 5/s: 100 ms', { tokens: 0.5, updatedAtMs: 0 }, 5, 100],
    ['empty at 3/s: rounded up', { tokens: 0, updatedAtMs: 0 }, 3, 334],
    ['empty at 0.5/s: 2 s', { tokens: 0, updatedAtMs: 0 }, 0.5, 2000],
    ['paused pool: never', { tokens: 0, updatedAtMs: 0 }, 0, null],
  ] as const)('given a bucket that %s, then the next token is at %s', (_why, bucket, rate, expected) => {
    expect(nextTokenAtMs(bucket, rate)).toBe(expected);
  });

  it('given the wake-up time of an empty bucket, then refilling to it yields a whole token', () => {
    for (const rate of [0.3, 1, 3, 7, 50, 1000]) {
      const empty = { tokens: 0, updatedAtMs: 12_345 };
      const at = nextTokenAtMs(empty, rate)!;
      expect(hasToken(refillBucket(empty, rate, at))).toBe(true);
      expect(hasToken(refillBucket(empty, rate, at - 1))).toBe(false);
    }
  });
});
