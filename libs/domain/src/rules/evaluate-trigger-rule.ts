import type { TriggerRule } from './trigger-rule.js';
import { assertConsistentCounts, doneCount, type UpstreamCounts } from './upstream-counts.js';

/**
 * What a trigger rule decides for a task instance that has not started:
 * - `wait`: not decided yet, evaluate again when an upstream finishes or expands;
 * - `run`: the instance is ready (it still goes through the limits of `chooseDispatch`);
 * - `skip`: the instance becomes `skipped`;
 * - `upstream_failed`: the instance becomes `upstream_failed`.
 */
export type RuleVerdict = 'wait' | 'run' | 'skip' | 'upstream_failed';

/**
 * Evaluates a trigger rule over a task instance's direct upstream instances, exactly as
 * SEMANTICS.md "Rules" (Airflow 3 `trigger_rule_dep.py`) says.
 *
 * "All finished" means `complete && done === total`. A task with no upstream
 * (`total === 0 && complete`) runs whatever its rule; `always` runs at once. Fast verdicts are
 * returned as soon as their condition appears, without waiting for the other upstreams; when a
 * rule both sets a state and would run (`none_failed_min_one_success` with every upstream
 * skipped) the state wins, as in Airflow where the state is set before the rule's check.
 *
 * Stability as more upstreams finish (pinned by a property test): a non-`wait` verdict never
 * turns back into `wait`, and for every rule except `all_success` it never changes at all.
 * `all_success` may go from `skip` (an upstream skipped) to `upstream_failed` (another one
 * failed later), since failure wins over skip; the decider applies a verdict as soon as it is
 * returned, so in practice the first non-`wait` verdict is final.
 *
 * @throws RangeError when the counts are inconsistent (negative, or more finished than known).
 */
export function evaluateTriggerRule(rule: TriggerRule, counts: UpstreamCounts): RuleVerdict {
  assertConsistentCounts(counts);
  if (rule === 'always') return 'run';
  if (counts.complete && counts.total === 0) return 'run';

  const { success, skipped, failed } = counts;
  const failures = failed + counts.upstreamFailed;
  const done = doneCount(counts);
  const allFinished = counts.complete && done === counts.total;
  const runWhenAllFinished: RuleVerdict = allFinished ? 'run' : 'wait';

  switch (rule) {
    case 'all_success':
      if (failures > 0) return 'upstream_failed';
      if (skipped > 0) return 'skip';
      return runWhenAllFinished;
    case 'all_failed':
      if (success + skipped > 0) return 'skip';
      return runWhenAllFinished;
    case 'all_done':
      return runWhenAllFinished;
    case 'all_done_min_one_success':
      if (skipped > 0) return 'skip';
      if (!allFinished) return 'wait';
      return success > 0 ? 'run' : 'upstream_failed';
    case 'all_skipped':
      if (success + failures > 0) return 'skip';
      return runWhenAllFinished;
    case 'one_success':
      if (success > 0) return 'run';
      if (!allFinished) return 'wait';
      return skipped === done ? 'skip' : 'upstream_failed';
    case 'one_failed':
      if (failures > 0) return 'run';
      return allFinished ? 'skip' : 'wait';
    case 'one_done':
      if (success + failed > 0) return 'run';
      return allFinished ? 'skip' : 'wait';
    case 'none_failed':
      if (failures > 0) return 'upstream_failed';
      return runWhenAllFinished;
    case 'none_failed_min_one_success':
      if (failures > 0) return 'upstream_failed';
      if (!allFinished) return 'wait';
      return skipped === counts.total ? 'skip' : 'run';
    case 'none_skipped':
      if (skipped > 0) return 'skip';
      return runWhenAllFinished;
    default: {
      const unknown: never = rule;
      throw new RangeError(`unknown trigger rule ${String(unknown)}`);
    }
  }
}
