import { describe, expect, it } from 'vitest';
import { evaluateMapSuppliers, type MapSupplierVerdict } from './evaluate-map-suppliers.js';
import type { FinishedState } from './task-state.js';

const S: FinishedState = 'success';
const K: FinishedState = 'skipped';
const F: FinishedState = 'failed';
const U: FinishedState = 'upstream_failed';
const RUNNING = null;

/** SEMANTICS.md "Mapping": supplier failed ⇒ upstream_failed whatever the rule; skipped ⇒ skipped. */
const TABLE: readonly [string, readonly (FinishedState | null)[], MapSupplierVerdict][] = [
  ['no supplier (literal list)', [], 'expand'],
  ['one supplier succeeded', [S], 'expand'],
  ['every supplier succeeded', [S, S, S], 'expand'],
  ['one supplier still running', [RUNNING], 'wait'],
  ['some succeeded, one running', [S, RUNNING, S], 'wait'],
  ['supplier failed', [F], 'upstream_failed'],
  ['supplier upstream_failed', [U], 'upstream_failed'],
  ['one failed while another runs (fast)', [F, RUNNING], 'upstream_failed'],
  ['failed wins over skipped', [K, F], 'upstream_failed'],
  ['supplier skipped', [K], 'skip'],
  ['one skipped while another runs (fast)', [RUNNING, K], 'skip'],
  ['skipped among successes', [S, K, S], 'skip'],
];

describe('evaluateMapSuppliers', () => {
  it.each(TABLE)('given %s, then %j ⇒ %s', (_why, states, verdict) => {
    // when
    const actual = evaluateMapSuppliers(states);
    // then
    expect(actual).toBe(verdict);
  });
});
