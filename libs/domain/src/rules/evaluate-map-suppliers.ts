import type { FinishedState } from './task-state.js';

/**
 * What happens to a mapped task (or mapped group block) given the instances that supply its
 * list: `expand` it now, `wait` for them, or set it `skip`ped / `upstream_failed` without
 * expanding.
 */
export type MapSupplierVerdict = 'wait' | 'expand' | 'skip' | 'upstream_failed';

/**
 * Decides a mapped task's fate from the states of the task instances that supply its list
 * (SEMANTICS.md "Mapping"), whatever the mapped task's trigger rule:
 * - any supplier `failed`/`upstream_failed` ⇒ `upstream_failed`, at once;
 * - else any supplier `skipped` ⇒ `skip`, at once;
 * - else every supplier `success` ⇒ `expand` (also with no supplier: a literal list);
 * - else `wait`.
 *
 * The mapped task's own trigger rule still applies to its instances after expansion; the
 * caller checks this before expanding. A verdict is final except that `skip` may turn into
 * `upstream_failed` if another supplier fails later (failure wins).
 *
 * @param states one entry per supplier instance (a mapped supplier contributes each of its
 *   indices); `null` for an instance that has not finished yet.
 */
export function evaluateMapSuppliers(states: readonly (FinishedState | null)[]): MapSupplierVerdict {
  let skipped = false;
  let unfinished = false;
  for (const state of states) {
    switch (state) {
      case 'failed':
      case 'upstream_failed':
        return 'upstream_failed';
      case 'skipped':
        skipped = true;
        break;
      case null:
        unfinished = true;
        break;
      case 'success':
        break;
    }
  }
  if (skipped) return 'skip';
  return unfinished ? 'wait' : 'expand';
}
