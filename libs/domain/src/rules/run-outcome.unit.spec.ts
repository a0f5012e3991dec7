import { describe, expect, it } from 'vitest';
import { decideRunOutcome, type LeafStateCounts, type RunOutcome } from './run-outcome.js';

function leaves(partial: Partial<LeafStateCounts>): LeafStateCounts {
  return { success: 0, skipped: 0, failed: 0, upstreamFailed: 0, cancelled: 0, ...partial };
}

/** SEMANTICS.md "Run state". */
const TABLE: readonly [string, number, Partial<LeafStateCounts>, boolean, RunOutcome][] = [
  ['every leaf success', 0, { success: 3 }, false, 'success'],
  ['every leaf success or skipped', 0, { success: 1, skipped: 2 }, false, 'success'],
  ['every leaf skipped', 0, { skipped: 2 }, false, 'success'],
  ['no task instance at all', 0, {}, false, 'success'],
  ['one leaf failed', 0, { success: 2, failed: 1 }, false, 'failed'],
  ['one leaf upstream_failed', 0, { success: 2, upstreamFailed: 1 }, false, 'failed'],
  ['one leaf cancelled (counts as failed)', 0, { success: 2, cancelled: 1 }, false, 'failed'],
  ['a leaf failed but others still run', 2, { failed: 1 }, true, 'running'],
  ['unfinished instances that can still run', 5, {}, true, 'running'],
  ['unfinished instances that can never become ready', 2, { success: 1 }, false, 'deadlocked'],
  ['deadlock wins over a failed leaf while unfinished', 1, { failed: 1 }, false, 'deadlocked'],
];

describe('decideRunOutcome', () => {
  it.each(TABLE)(
    'given %s, then the run is %s',
    (_why, unfinished, leafCounts, anyReadyPossible, outcome) => {
      // when
      const actual = decideRunOutcome({ unfinished, leaves: leaves(leafCounts), anyReadyPossible });
      // then
      expect(actual).toBe(outcome);
    },
  );

  it('given all_done consolidation succeeded while some group tasks failed, then the run is success', () => {
    // given: the failed group tasks are not leaves; the consolidation is the only leaf
    const input = { unfinished: 0, leaves: leaves({ success: 1 }), anyReadyPossible: false };
    // then
    expect(decideRunOutcome(input)).toBe('success');
  });

  it('given a negative count, then it throws', () => {
    expect(() => decideRunOutcome({ unfinished: -1, leaves: leaves({}), anyReadyPossible: true })).toThrow(
      RangeError,
    );
  });
});
