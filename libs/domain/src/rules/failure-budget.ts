import type { TriggerRule } from './trigger-rule.js';
import { evaluateTriggerRule, type RuleVerdict } from './evaluate-trigger-rule.js';
import { doneCount, type UpstreamCounts } from './upstream-counts.js';

/**
 * `consolidate.tolerate`: how many failed groups the consolidation accepts. Either bound or both (then
 * both must hold). A failed group is one that ended `failed` — any failed, upstream_failed or cancelled
 * instance in it, or a failed child group; a top-level block that could not expand (its supplier failed)
 * counts as one failed group.
 */
export interface FailureTolerance {
  /** At most this many failed groups (0 = none). */
  failedGroups: number | null;
  /** At most this share of the run's groups, in percent (failed × 100 ≤ failedPercent × groups). */
  failedPercent: number | null;
}

/** Trigger rules a budget combines with: the ones that wait for every group. */
export const TOLERATE_RULES: readonly TriggerRule[] = [
  'all_success',
  'all_done',
  'all_done_min_one_success',
  'none_failed',
  'none_failed_min_one_success',
  'none_skipped',
];

const NEEDS_A_SUCCESS: ReadonlySet<TriggerRule> = new Set([
  'all_done_min_one_success',
  'none_failed_min_one_success',
]);

/** A verdict with the reason a consolidation that does not run records. */
export interface BudgetedVerdict {
  verdict: RuleVerdict;
  reason: string;
}

/**
 * The consolidation's verdict over its groups' outcomes (`counts`: one unit per group), with a failure
 * budget when `tolerance` is set. Without one: the trigger rule, exactly. With one:
 * 1. it waits until every group is terminal (no fast verdict: a later failure could still spend the budget);
 * 2. more failed groups than the budget allows ⇒ `upstream_failed`, whatever the rule;
 * 3. within the budget the rule decides over the OTHER groups: the tolerated failed groups are left out
 *    (`all_success` over 4 successes and 1 tolerated failure runs). When only tolerated failures are
 *    left, the consolidation runs — except for the `*_min_one_success` rules, which need a success.
 */
export function evaluateFailureBudget(
  rule: TriggerRule,
  tolerance: FailureTolerance | null,
  counts: UpstreamCounts,
): BudgetedVerdict {
  if (tolerance === null)
    return { verdict: evaluateTriggerRule(rule, counts), reason: `trigger rule ${rule}` };
  const allFinished = counts.complete && doneCount(counts) === counts.total;
  if (!allFinished) return { verdict: 'wait', reason: 'waiting for every group' };
  const failed = counts.failed + counts.upstreamFailed;
  const over = overBudget(tolerance, failed, counts.total);
  if (over !== null) return { verdict: 'upstream_failed', reason: over };
  const rest = { ...counts, failed: 0, upstreamFailed: 0, total: counts.total - failed };
  if (rest.total === 0 && failed > 0 && NEEDS_A_SUCCESS.has(rule))
    return {
      verdict: 'upstream_failed',
      reason: `trigger rule ${rule}: every group failed (within the budget), none succeeded`,
    };
  const tolerated = failed > 0 ? ` with ${failed} tolerated failed group(s) left out` : '';
  return { verdict: evaluateTriggerRule(rule, rest), reason: `trigger rule ${rule}${tolerated}` };
}

/** Why `failed` of `total` groups is over the budget, or null when within it (exactly at the budget is within). */
export function overBudget(tolerance: FailureTolerance, failed: number, total: number): string | null {
  if (tolerance.failedGroups !== null && failed > tolerance.failedGroups)
    return `failure budget exceeded: ${failed} of ${total} group(s) failed, tolerate failedGroups ${tolerance.failedGroups}`;
  if (tolerance.failedPercent !== null && failed * 100 > tolerance.failedPercent * total)
    return `failure budget exceeded: ${failed} of ${total} group(s) failed (${percent(failed, total)}), tolerate failedPercent ${tolerance.failedPercent}`;
  return null;
}

function percent(failed: number, total: number): string {
  return total === 0 ? '0%' : `${Math.round((failed * 1000) / total) / 10}%`;
}
