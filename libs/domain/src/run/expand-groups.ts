import type { Json } from '../spec/pipeline-spec.js';
import type { PlanBlockNode } from '../spec/compiled-plan.js';
import type { DecideContext } from './run-commands.js';
import type { RunState, SlotRecord } from './run-state.js';
import { groupBindingOf, scopeFor } from './expression-scope.js';
import { groupKeyOf, groupPathOf, invalidGroupKeyReason } from './task-id.js';
import { mapItemsOf } from './attempt-payload.js';
import { labelsOf } from './map-labels.js';
import { instanceCapProblem, instancesPerGroup } from './instance-cap.js';
import { supplierVerdict, suppliersOf } from './expand-map.js';
import type { Emit } from './decide-emit.js';

// Group blocks: one group per listed key, expanded once the block's upstreams allow it.

export function expandGroups(
  state: RunState,
  node: PlanBlockNode,
  slot: SlotRecord,
  emit: Emit,
  ctx: DecideContext,
): void {
  const verdict = supplierVerdict(state, suppliersOf(node.over), slot.stagePath, slot.groupPath);
  if (verdict === 'wait') return;
  const base = { blockPath: slot.stagePath, parentGroup: slot.groupPath, at: ctx.now };
  if (verdict !== 'expand') {
    emit({
      type: 'GroupsExpanded',
      ...base,
      groups: [],
      unresolved: verdict === 'skip' ? 'skipped' : 'upstream_failed',
      error: null,
    });
    return;
  }
  const listed = listGroups(state, node, slot);
  if (!listed.ok) {
    emit({ type: 'GroupsExpanded', ...base, groups: [], unresolved: 'upstream_failed', error: listed.error });
    return;
  }
  emit({ type: 'GroupsExpanded', ...base, groups: listed.groups, unresolved: null, error: null });
}

function listGroups(
  state: RunState,
  node: PlanBlockNode,
  slot: SlotRecord,
):
  | { ok: true; groups: { path: string; key: string; value: Json; label?: string }[] }
  | { ok: false; error: string } {
  const items = mapItemsOf(state, slot);
  if (!items.ok) return { ok: false, error: `over: ${items.error}` };
  const max = state.plan.spec.limits.maxMapLength;
  if (items.value.length > max)
    return { ok: false, error: `over: ${items.value.length} groups, over maxMapLength ${max}` };
  const perGroup = instancesPerGroup(state, slot.stagePath);
  const capped = instanceCapProblem(
    state,
    items.value.length * perGroup,
    `over: ${items.value.length} groups of ${perGroup} task instances each`,
  );
  if (capped) return { ok: false, error: capped };
  const groups: { path: string; key: string; value: Json; label?: string }[] = [];
  const seen = new Set<string>();
  const parent = groupBindingOf(state, slot.groupPath);
  for (const [i, item] of items.value.entries()) {
    let key: string | null;
    if (node.key) {
      const result = node.key.evaluate({
        ...scopeFor(state, slot.stagePath, slot.groupPath),
        group: parent,
        item,
      });
      if (!result.ok) return { ok: false, error: `key of element ${i}: ${result.error}` };
      key = groupKeyOf(result.value);
    } else key = groupKeyOf(item);
    if (key === null)
      return {
        ok: false,
        error: `element ${i} is an object or list: the block needs key: to name its groups`,
      };
    const invalid = invalidGroupKeyReason(key);
    if (invalid) return { ok: false, error: `group key "${key}" of element ${i} ${invalid}` };
    if (seen.has(key)) return { ok: false, error: `duplicate group key "${key}" (element ${i})` };
    seen.add(key);
    groups.push({ path: groupPathOf(slot.groupPath, node.id, key), key, value: item });
  }
  if (node.label && groups.length > 0) {
    const scope = { ...scopeFor(state, slot.stagePath, slot.groupPath), group: parent };
    const labelled = labelsOf(node.label, scope, items.value);
    if (!labelled.ok) return { ok: false, error: labelled.error };
    labelled.labels.forEach((label, i) => (groups[i]!.label = label));
  }
  return { ok: true, groups };
}
