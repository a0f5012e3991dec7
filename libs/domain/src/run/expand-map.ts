import type { PlanTaskNode } from '../spec/compiled-plan.js';
import type { DecideContext } from './run-commands.js';
import type { RunState, SlotRecord } from './run-state.js';
import { finishedCategory } from './run-graph.js';
import { scopeFor } from './expression-scope.js';
import { slotKeyOf } from './task-id.js';
import { mapItemsOf } from './attempt-payload.js';
import { labelsOf } from './map-labels.js';
import { instanceCapProblem } from './instance-cap.js';
import type { Emit } from './decide-emit.js';

// Dynamic task mapping: a mapped stage expands over its list once its suppliers succeeded.

/** Every upstream a list expression reads, at any enclosing level (mapSuppliers only lists same-level ones). */
export function suppliersOf(source: PlanTaskNode['map']): readonly string[] {
  return source?.kind === 'cel' ? source.expression.upstreamRefs : [];
}

/** Supplier states of a mapped stage or block (SEMANTICS "Mapping"): failed wins, then skipped; all success expands. */
export function supplierVerdict(
  state: RunState,
  suppliers: readonly string[],
  stagePath: string,
  groupPath: string | null,
): 'wait' | 'expand' | 'upstream_failed' | 'skip' {
  if (suppliers.length === 0) return 'expand';
  const scope = state.index.visibleUpstreamRefs(stagePath);
  let waiting = false;
  let skipped = false;
  for (const ref of scope) {
    const id = state.index.node(ref.path).id;
    if (!suppliers.includes(id)) continue;
    let inGroup = groupPath;
    for (let i = 0; i < ref.levelsUp && inGroup !== null; i++)
      inGroup = state.groups.get(inGroup)?.parentPath ?? null;
    const slot = state.slots.get(slotKeyOf(inGroup, ref.path));
    if (!slot || slot.status === 'unexpanded') {
      waiting = true;
      continue;
    }
    if (slot.status === 'unresolved') {
      if (slot.unresolvedState === 'upstream_failed') return 'upstream_failed';
      skipped = true;
      continue;
    }
    for (const id2 of slot.kind === 'task' ? slot.instances : []) {
      const category = finishedCategory(state.tasks.get(id2)!.state);
      if (category === 'failed' || category === 'upstream_failed') return 'upstream_failed';
      if (category === 'skipped') skipped = true;
      if (category === null) waiting = true;
    }
  }
  if (waiting) return 'wait';
  return skipped ? 'skip' : 'expand';
}

export function expandMap(
  state: RunState,
  node: PlanTaskNode,
  slot: SlotRecord,
  emit: Emit,
  ctx: DecideContext,
): void {
  const verdict = supplierVerdict(state, suppliersOf(node.map), slot.stagePath, slot.groupPath);
  if (verdict === 'wait') return;
  const base = { stagePath: slot.stagePath, groupPath: slot.groupPath, at: ctx.now };
  if (verdict !== 'expand') {
    emit({ type: 'TaskMapExpanded', ...base, length: null });
    const taskId = slot.instances[0]!;
    if (verdict === 'skip')
      emit({ type: 'TaskInstanceSkipped', taskId, reason: 'map supplier skipped', at: ctx.now });
    else emit({ type: 'TaskInstanceUpstreamFailed', taskId, reason: 'map supplier failed', at: ctx.now });
    return;
  }
  const items = mapItemsOf(state, slot);
  const max = state.plan.spec.limits.maxMapLength;
  const problem = !items.ok
    ? `map: ${items.error}`
    : items.value.length > max
      ? `map: ${items.value.length} elements, over maxMapLength ${max}`
      : instanceCapProblem(state, Math.max(items.value.length, 1), `map: ${items.value.length} elements`);
  if (problem || !items.ok) {
    emit({ type: 'TaskMapExpanded', ...base, length: null });
    emit({
      type: 'TaskInstanceFailed',
      taskId: slot.instances[0]!,
      attempt: 0,
      error: { message: problem ?? 'map failed', type: 'MapError', retryable: false },
      at: ctx.now,
    });
    return;
  }
  // Labels are computed here and recorded in the event: replay never re-evaluates them.
  let labels: string[] | undefined;
  if (node.label && items.value.length > 0) {
    const labelled = labelsOf(node.label, scopeFor(state, slot.stagePath, slot.groupPath), items.value);
    if (!labelled.ok) {
      emit({ type: 'TaskMapExpanded', ...base, length: null });
      emit({
        type: 'TaskInstanceFailed',
        taskId: slot.instances[0]!,
        attempt: 0,
        error: { message: labelled.error, type: 'MapError', retryable: false },
        at: ctx.now,
      });
      return;
    }
    labels = labelled.labels;
  }
  emit({ type: 'TaskMapExpanded', ...base, length: items.value.length, ...(labels ? { labels } : {}) });
  if (items.value.length === 0)
    emit({
      type: 'TaskInstanceSkipped',
      taskId: slot.instances[0]!,
      reason: 'mapped over an empty list',
      at: ctx.now,
    });
}
