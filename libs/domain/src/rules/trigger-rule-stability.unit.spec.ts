import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateTriggerRule, type RuleVerdict } from './evaluate-trigger-rule.js';
import type { FinishedState } from './task-state.js';
import { TRIGGER_RULES, type TriggerRule } from './trigger-rule.js';
import { addFinished, emptyCounts, type UpstreamCounts } from './upstream-counts.js';

/**
 * A run's upstream history, as the decider sees it: N upstream instances with their final
 * states, finishing in some order, while the known `total` grows (an upstream expands) until
 * it reaches N and the counts become `complete`.
 */
const history = fc
  .array(fc.constantFrom<FinishedState>('success', 'skipped', 'failed', 'upstream_failed'), {
    minLength: 1,
    maxLength: 8,
  })
  .chain((finals) =>
    fc.record({
      finals: fc.constant(finals),
      order: fc.shuffledSubarray(
        finals.map((_, index) => index),
        { minLength: finals.length, maxLength: finals.length },
      ),
      known: fc.array(fc.nat(finals.length), { minLength: finals.length + 1, maxLength: finals.length + 1 }),
    }),
  );

/** Every snapshot of the counts along the history, first to last (the last is all finished). */
function snapshots({
  finals,
  order,
  known,
}: {
  finals: FinishedState[];
  order: number[];
  known: number[];
}): UpstreamCounts[] {
  const n = finals.length;
  const result: UpstreamCounts[] = [];
  let total = 0;
  let highestFinished = -1;
  let counts = emptyCounts(0, false);
  for (let step = 0; step <= n; step += 1) {
    if (step > 0) {
      const index = order[step - 1]!;
      highestFinished = Math.max(highestFinished, index);
    }
    total = Math.max(total, highestFinished + 1, known[step]!);
    counts = { ...counts, total, complete: total === n };
    if (step > 0) counts = addFinished(counts, finals[order[step - 1]!]!, 1);
    result.push(counts);
  }
  return result;
}

function verdicts(rule: TriggerRule, counts: UpstreamCounts[]): RuleVerdict[] {
  return counts.map((c) => evaluateTriggerRule(rule, c));
}

/** Rules whose first non-wait verdict never changes (every rule but all_success). */
const STABLE_RULES = TRIGGER_RULES.filter((rule) => rule !== 'all_success');

describe('trigger rule verdicts as more upstreams finish', () => {
  it('given any history, then a non-wait verdict never turns back into wait (every rule)', () => {
    fc.assert(
      fc.property(history, fc.constantFrom(...TRIGGER_RULES), (h, rule) => {
        const seen = verdicts(rule, snapshots(h));
        const first = seen.findIndex((v) => v !== 'wait');
        expect(first).toBeGreaterThanOrEqual(0); // once all finished, every rule decides
        expect(seen.slice(first)).not.toContain('wait');
      }),
    );
  });

  it('given any history, then the first non-wait verdict is final for every rule but all_success', () => {
    fc.assert(
      fc.property(history, fc.constantFrom(...STABLE_RULES), (h, rule) => {
        const seen = verdicts(rule, snapshots(h)).filter((v) => v !== 'wait');
        expect(new Set(seen).size).toBe(1);
      }),
    );
  });

  it('given any history, then all_success only ever moves from skip to upstream_failed', () => {
    fc.assert(
      fc.property(history, (h) => {
        const seen = verdicts('all_success', snapshots(h)).filter((v) => v !== 'wait');
        const changes = seen.filter((v, i) => i > 0 && v !== seen[i - 1]);
        expect(changes.every((v) => v === 'upstream_failed')).toBe(true);
        expect(changes.length).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('given all_success with one upstream skipped and one running, when the running one fails, then skip becomes upstream_failed', () => {
    // given
    const skippedOneRunning = addFinished(emptyCounts(2), 'skipped', 1);
    // when
    const afterFailure = addFinished(skippedOneRunning, 'failed', 1);
    // then
    expect(evaluateTriggerRule('all_success', skippedOneRunning)).toBe('skip');
    expect(evaluateTriggerRule('all_success', afterFailure)).toBe('upstream_failed');
  });
});
