import type { ConsolidateSpec } from '../spec/pipeline-spec.js';
import type { PlanTaskNode } from '../spec/compiled-plan.js';
import { evaluateFailureBudget, type BudgetedVerdict } from '../rules/failure-budget.js';
import type { RunState, SlotRecord } from './run-state.js';
import { slotKeyOf } from './task-id.js';

/**
 * The consolidation's verdict from its slot's counters (one unit per top-level group): its trigger rule,
 * combined with `tolerate` when set. ONE rule for both paths: the planner (`consolidationVia: 'planner'`)
 * and the consolidator (fan-in) ask this.
 */
export function consolidationSlotVerdict(
  state: RunState,
  node: PlanTaskNode,
  slot: SlotRecord,
): BudgetedVerdict {
  const tolerance = state.index.consolidationOverGroups
    ? ((node.spec as ConsolidateSpec).tolerate ?? null)
    : null;
  return evaluateFailureBudget(node.triggerRule, tolerance, {
    success: slot.success,
    skipped: slot.skipped,
    failed: slot.failed,
    upstreamFailed: slot.upstreamFailed,
    total: slot.total,
    complete: slot.pendingSlots === 0,
  });
}

/** The consolidation's verdict now and why; null when the run has no consolidation. */
export function explainConsolidationVerdict(state: RunState): BudgetedVerdict | null {
  const path = state.index.consolidationPath;
  const slot = path ? state.slots.get(slotKeyOf(null, path)) : undefined;
  if (!path || !slot) return null;
  return consolidationSlotVerdict(state, state.index.node(path) as PlanTaskNode, slot);
}
