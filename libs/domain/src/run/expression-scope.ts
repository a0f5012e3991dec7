import type { Json } from '../spec/pipeline-spec.js';
import type { ExpressionScope, GroupBinding } from '../spec/compiled-plan.js';
import type { RunState } from './run-state.js';
import { ancestorGroup } from './run-graph.js';
import { mapIndicesOf } from './map-indices.js';
import { slotKeyOf } from './task-id.js';
import { redactSecretsForExpressions } from '../secrets/secret-marker.js';

/** `group` as CEL and handlers see it: key, value, path and the enclosing group. */
export function groupBindingOf(state: RunState, groupPath: string | null): GroupBinding | null {
  if (groupPath === null) return null;
  const group = state.groups.get(groupPath);
  if (!group) return null;
  return {
    key: group.key,
    value: group.value,
    path: group.path,
    parent: groupBindingOf(state, group.parentPath),
  };
}

/**
 * Outputs of a stage in a group as a downstream reads them: the output of an unmapped instance
 * (null unless it succeeded); for a mapped stage, the outputs of the indices that succeeded in
 * map-index order (`[]` when none did, never null); for a group block, `{ <key>: { <stage>: output } }`.
 */
export function outputOf(state: RunState, stagePath: string, groupPath: string | null): Json {
  const slot = state.slots.get(slotKeyOf(groupPath, stagePath));
  if (!slot) return null;
  const node = state.index.node(stagePath);
  if (slot.kind === 'task') {
    if (node.kind === 'task' && node.map !== null) {
      const outputs: Json[] = [];
      for (const id of slot.instances) {
        const rec = state.tasks.get(id)!;
        if (rec.mapIndex !== null && rec.state === 'success') outputs.push(rec.output);
      }
      return outputs;
    }
    const rec = state.tasks.get(slot.instances[0] ?? '');
    return rec && rec.state === 'success' ? rec.output : null;
  }
  const byKey: Record<string, Json> = {};
  for (const child of slot.groups) {
    const group = state.groups.get(child)!;
    const outputs: Record<string, Json> = {};
    for (const childStage of state.index.children(stagePath))
      outputs[state.index.node(childStage).id] = outputOf(state, childStage, child);
    byKey[group.key] = outputs;
  }
  return byKey;
}

/** The variables of DESIGN §4 for a stage in a group: params, group, upstream (effective direct upstreams), run. */
export function scopeFor(
  state: RunState,
  stagePath: string,
  groupPath: string | null,
  only?: readonly string[],
): ExpressionScope {
  const upstream: Record<string, Json> = {};
  const upstreamIndices: Record<string, Json> = {};
  for (const ref of state.index.visibleUpstreamRefs(stagePath)) {
    const id = state.index.node(ref.path).id;
    if (only && !only.includes(id)) continue;
    const inGroup = ancestorGroup(state, groupPath, ref.levelsUp);
    upstream[id] = outputOf(state, ref.path, inGroup);
    const indices = mapIndicesOf(state, ref.path, inGroup);
    if (indices !== null) upstreamIndices[id] = indices;
  }
  return {
    params: expressionParams(state.run.params),
    group: groupBindingOf(state, groupPath),
    upstream,
    upstreamIndices,
    run: { id: state.run.id, pipeline: state.run.pipelineId },
  };
}

/**
 * What the consolidation reads: every top-level group with its state and its tasks' outputs, and
 * `failedGroups`, the paths of the groups that ended failed (those a `tolerate` budget let through).
 */
export function consolidationUpstream(state: RunState): Json {
  const groups: Json[] = [];
  const failedGroups: string[] = [];
  for (const block of state.index.topLevelBlocks) {
    const slot = state.slots.get(slotKeyOf(null, block));
    for (const path of slot?.groups ?? []) {
      const group = state.groups.get(path)!;
      const outputs: Record<string, Json> = {};
      for (const child of state.index.children(block))
        outputs[state.index.node(child).id] = outputOf(state, child, path);
      groups.push({ block, path, key: group.key, value: group.value, state: group.state, outputs });
      if (group.state === 'failed') failedGroups.push(path);
    }
  }
  return { groups, failedGroups };
}

const redactedParams = new WeakMap<object, Json>();

/** A run's params as CEL sees them: secrets redacted (`{"$secret": "sha256:…"}`), computed once per run. */
function expressionParams(params: Json): Json {
  if (params === null || typeof params !== 'object') return params;
  let redacted = redactedParams.get(params);
  if (redacted === undefined) redactedParams.set(params, (redacted = redactSecretsForExpressions(params)));
  return redacted;
}
