import { describe, expect, it } from 'vitest';
import { evaluateTriggerRule, type RuleVerdict } from './evaluate-trigger-rule.js';
import { TRIGGER_RULES, type TriggerRule } from './trigger-rule.js';
import type { UpstreamCounts } from './upstream-counts.js';

/**
 * Upstream instances in a compact notation, one letter per instance:
 * S success, K skipped, F failed, U upstream_failed, . not finished yet.
 * A trailing `+` means some upstream is not expanded yet (`complete: false`).
 * '' is a task with no upstream; '+' a task whose only upstream is not expanded yet.
 */
function upstreams(notation: string): UpstreamCounts {
  const complete = !notation.endsWith('+');
  const letters = complete ? notation : notation.slice(0, -1);
  const counts: UpstreamCounts = { success: 0, skipped: 0, failed: 0, upstreamFailed: 0, total: 0, complete };
  for (const letter of letters) {
    counts.total += 1;
    if (letter === 'S') counts.success += 1;
    else if (letter === 'K') counts.skipped += 1;
    else if (letter === 'F') counts.failed += 1;
    else if (letter === 'U') counts.upstreamFailed += 1;
    else if (letter !== '.') throw new Error(`bad notation ${notation}`);
  }
  return counts;
}

type Row = readonly [upstreams: string, verdict: RuleVerdict, why: string];

/** Rows every rule shares: SEMANTICS "A task with no upstream is ready at once". */
const NO_UPSTREAM: readonly Row[] = [
  ['', 'run', 'no upstream: ready at once'],
  ['+', 'wait', 'only upstream not expanded yet: nothing known'],
];

/** Written from SEMANTICS.md "Rules", one block per rule. */
const TABLE: Record<TriggerRule, readonly Row[]> = {
  all_success: [
    ['SSS', 'run', 'every upstream success'],
    ['SS.', 'wait', 'one still running'],
    ['SS+', 'wait', 'all known succeeded, but an upstream may still expand'],
    ['KKK', 'skip', 'all skipped'],
    ['SK', 'skip', 'one skipped'],
    ['K..', 'skip', 'skipped is fast'],
    ['K+', 'skip', 'skipped is fast, even before expansion'],
    ['F..', 'upstream_failed', 'failed is fast'],
    ['U..', 'upstream_failed', 'upstream_failed is fast'],
    ['KF.', 'upstream_failed', 'failure wins over skipped'],
    ['KKU', 'upstream_failed', 'failure wins over skipped, all finished'],
    ['SF', 'upstream_failed', 'one failed'],
    ['FFF', 'upstream_failed', 'all failed'],
    ['F+', 'upstream_failed', 'failed is fast, even before expansion'],
    ['S' + 'SS.', 'wait', 'mapped upstream with 3 indices, one still running'],
    ['S' + 'SSS', 'run', 'mapped upstream with 3 indices, all succeeded'],
    ['S' + 'SFS', 'upstream_failed', 'mapped upstream, one index failed'],
  ],
  all_failed: [
    ['FFF', 'run', 'every upstream failed'],
    ['UUU', 'run', 'upstream_failed counts as failed'],
    ['FU', 'run', 'failed and upstream_failed'],
    ['FF.', 'wait', 'one still running'],
    ['FF+', 'wait', 'an upstream may still expand'],
    ['S..', 'skip', 'success is fast'],
    ['K..', 'skip', 'skipped is fast'],
    ['SSS', 'skip', 'all success'],
    ['KKK', 'skip', 'all skipped'],
    ['FFS', 'skip', 'one success'],
    ['S+', 'skip', 'fast, even before expansion'],
  ],
  all_done: [
    ['SSS', 'run', 'all success'],
    ['KKK', 'run', 'all skipped'],
    ['FFF', 'run', 'all failed'],
    ['UUU', 'run', 'all upstream_failed'],
    ['SKFU', 'run', 'every outcome'],
    ['SKF.', 'wait', 'one still running'],
    ['F..', 'wait', 'never fast'],
    ['SKF+', 'wait', 'an upstream may still expand'],
    ['S' + 'SF.', 'wait', 'mapped upstream with 3 indices, one still running'],
  ],
  all_done_min_one_success: [
    ['SSS', 'run', 'all success'],
    ['SF', 'run', 'all finished, one success, none skipped'],
    ['SFU', 'run', 'failures do not block once one succeeded'],
    ['S..', 'wait', 'not all finished'],
    ['SS.', 'wait', 'not all finished'],
    ['SF+', 'wait', 'an upstream may still expand'],
    ['K..', 'skip', 'skipped is fast'],
    ['SK', 'skip', 'one skipped'],
    ['KKK', 'skip', 'all skipped'],
    ['FK', 'skip', 'skipped wins over no success'],
    ['K+', 'skip', 'fast, even before expansion'],
    ['FFF', 'upstream_failed', 'all finished, no success'],
    ['FU', 'upstream_failed', 'all finished, no success'],
    ['FF.', 'wait', 'no success yet, but one still running'],
    ['FF+', 'wait', 'no success yet, but an upstream may still expand'],
  ],
  all_skipped: [
    ['KKK', 'run', 'every upstream skipped'],
    ['KK.', 'wait', 'one still running'],
    ['KK+', 'wait', 'an upstream may still expand'],
    ['S..', 'skip', 'success is fast'],
    ['F..', 'skip', 'failed is fast'],
    ['U..', 'skip', 'upstream_failed is fast'],
    ['KS', 'skip', 'one success'],
    ['SSS', 'skip', 'all success'],
    ['FFF', 'skip', 'all failed'],
  ],
  one_success: [
    ['S..', 'run', 'first success runs, does not wait for the rest'],
    ['S+', 'run', 'first success runs, even before expansion'],
    ['SFF', 'run', 'one success among failures'],
    ['KKS', 'run', 'one success among skips'],
    ['SSS', 'run', 'all success'],
    ['KK.', 'wait', 'no success yet'],
    ['FF.', 'wait', 'no success yet'],
    ['K+', 'wait', 'no success yet, an upstream may still expand'],
    ['KKK', 'skip', 'all finished and all skipped'],
    ['FFF', 'upstream_failed', 'all finished, none succeeded, not all skipped'],
    ['KF', 'upstream_failed', 'all finished, none succeeded, not all skipped'],
    ['KU', 'upstream_failed', 'all finished, none succeeded, not all skipped'],
    ['S' + 'K.K', 'run', 'mapped upstream with 3 indices, one running: the success is enough'],
  ],
  one_failed: [
    ['F..', 'run', 'first failure runs'],
    ['U..', 'run', 'upstream_failed counts'],
    ['U+', 'run', 'fast, even before expansion'],
    ['SSF', 'run', 'one failure'],
    ['SS.', 'wait', 'no failure yet'],
    ['SK+', 'wait', 'no failure yet, an upstream may still expand'],
    ['SSS', 'skip', 'all finished with none failed'],
    ['KKK', 'skip', 'all finished with none failed'],
    ['SK', 'skip', 'all finished with none failed'],
  ],
  one_done: [
    ['S..', 'run', 'first success runs'],
    ['F..', 'run', 'first failure runs'],
    ['F+', 'run', 'fast, even before expansion'],
    ['KKS', 'run', 'one success'],
    ['U..', 'wait', 'upstream_failed does not count'],
    ['KU.', 'wait', 'skipped/upstream_failed do not count'],
    ['K+', 'wait', 'an upstream may still expand'],
    ['KKK', 'skip', 'all finished, none success/failed'],
    ['UUU', 'skip', 'all finished, none success/failed'],
    ['KU', 'skip', 'all finished, none success/failed'],
  ],
  none_failed: [
    ['SSS', 'run', 'all success'],
    ['KKK', 'run', 'runs even if all skipped'],
    ['SK', 'run', 'success and skipped'],
    ['SK.', 'wait', 'one still running'],
    ['SK+', 'wait', 'an upstream may still expand'],
    ['F..', 'upstream_failed', 'failed is fast'],
    ['U..', 'upstream_failed', 'upstream_failed is fast'],
    ['KF', 'upstream_failed', 'one failed'],
    ['U+', 'upstream_failed', 'fast, even before expansion'],
  ],
  none_failed_min_one_success: [
    ['SSS', 'run', 'all success'],
    ['SK', 'run', 'not all skipped'],
    ['KKS', 'run', 'one success among skips'],
    ['KKK', 'skip', 'every upstream skipped'],
    ['KK.', 'wait', 'one still running'],
    ['KK+', 'wait', 'all known skipped, but an upstream may still expand'],
    ['S..', 'wait', 'not all finished'],
    ['F..', 'upstream_failed', 'failed is fast'],
    ['KKF', 'upstream_failed', 'failure wins over all-skipped'],
    ['U+', 'upstream_failed', 'fast, even before expansion'],
  ],
  none_skipped: [
    ['SSS', 'run', 'all success'],
    ['FFF', 'run', 'failures do not block'],
    ['SFU', 'run', 'failures do not block'],
    ['SF.', 'wait', 'one still running'],
    ['SF+', 'wait', 'an upstream may still expand'],
    ['K..', 'skip', 'skipped is fast'],
    ['SK', 'skip', 'one skipped'],
    ['KKK', 'skip', 'all skipped'],
    ['FK', 'skip', 'one skipped'],
    ['K+', 'skip', 'fast, even before expansion'],
  ],
  always: [
    ['+', 'run', 'at once, even before expansion'],
    ['...', 'run', 'at once'],
    ['SSS', 'run', 'whatever the upstreams'],
    ['KKK', 'run', 'whatever the upstreams'],
    ['FFF', 'run', 'whatever the upstreams'],
    ['SKFU.+', 'run', 'whatever the upstreams'],
  ],
};

describe('evaluateTriggerRule', () => {
  for (const rule of TRIGGER_RULES) {
    const rows = rule === 'always' ? [NO_UPSTREAM[0]!, ...TABLE[rule]] : [...NO_UPSTREAM, ...TABLE[rule]];
    describe(rule, () => {
      it.each(rows)('given upstreams "%s", then %s (%s)', (notation, verdict) => {
        // given
        const counts = upstreams(notation);
        // when
        const actual = evaluateTriggerRule(rule, counts);
        // then
        expect(actual).toBe(verdict);
      });
    });
  }

  it('given inconsistent counts (more finished than known), then it throws', () => {
    const counts: UpstreamCounts = {
      success: 2,
      skipped: 0,
      failed: 0,
      upstreamFailed: 0,
      total: 1,
      complete: true,
    };
    expect(() => evaluateTriggerRule('all_done', counts)).toThrow(RangeError);
  });

  it('given a negative count, then it throws', () => {
    const counts: UpstreamCounts = {
      success: -1,
      skipped: 0,
      failed: 0,
      upstreamFailed: 0,
      total: 1,
      complete: true,
    };
    expect(() => evaluateTriggerRule('all_success', counts)).toThrow(RangeError);
  });
});
