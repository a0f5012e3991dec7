import { describe, expect, it } from 'vitest';
import { addFinished, doneCount, emptyCounts } from './upstream-counts.js';

describe('emptyCounts', () => {
  it.each([
    [undefined, undefined, 0, true],
    [3, undefined, 3, true],
    [2, false, 2, false],
  ] as const)(
    'given total %s and complete %s, then nothing is finished',
    (total, complete, expectedTotal, expectedComplete) => {
      const counts = emptyCounts(total, complete);
      expect(counts).toEqual({
        success: 0,
        skipped: 0,
        failed: 0,
        upstreamFailed: 0,
        total: expectedTotal,
        complete: expectedComplete,
      });
    },
  );

  it('given a negative total, then it throws', () => {
    expect(() => emptyCounts(-1)).toThrow(RangeError);
  });
});

describe('addFinished', () => {
  it.each([
    ['success', 'success'],
    ['skipped', 'skipped'],
    ['failed', 'failed'],
    ['upstream_failed', 'upstreamFailed'],
  ] as const)(
    'given an upstream finished %s, then only %s grows and the input is untouched',
    (state, key) => {
      // given
      const before = emptyCounts(2);
      // when
      const after = addFinished(before, state, 1);
      // then
      expect(after[key]).toBe(1);
      expect(doneCount(after)).toBe(1);
      expect(after.total).toBe(2);
      expect(before[key]).toBe(0);
    },
  );

  it('given an upstream that finished then was cleared, then the counts are back where they were', () => {
    const before = emptyCounts(2, false);
    const after = addFinished(addFinished(before, 'failed', 1), 'failed', -1);
    expect(after).toEqual(before);
  });

  it('given a clear of a state with no instance, then it throws', () => {
    expect(() => addFinished(emptyCounts(1), 'skipped', -1)).toThrow(RangeError);
  });

  it('given more finished than known upstreams, then it throws', () => {
    expect(() => addFinished(addFinished(emptyCounts(1), 'success', 1), 'success', 1)).toThrow(RangeError);
  });
});
