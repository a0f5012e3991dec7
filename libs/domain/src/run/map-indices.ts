import type { Json } from '../spec/pipeline-spec.js';
import type { RunState } from './run-state.js';
import { finishedCategory } from './run-graph.js';
import { slotKeyOf } from './task-id.js';

/**
 * Where each map index of a mapped upstream ended, next to its outputs list (`upstream.<id>` holds the
 * outputs of `succeeded`, in that order): `{ succeeded, failed, skipped, upstreamFailed }`, each a list of
 * map indices in ascending order (cancelled counts as failed). Null for a stage that is not mapped. A
 * mapped stage that never expanded (its supplier failed or was skipped) has no indices: all lists empty.
 */
export function mapIndicesOf(state: RunState, stagePath: string, groupPath: string | null): Json {
  const node = state.index.node(stagePath);
  if (node.kind !== 'task' || node.map === null) return null;
  const slot = state.slots.get(slotKeyOf(groupPath, stagePath));
  const indices = {
    succeeded: [] as number[],
    failed: [] as number[],
    skipped: [] as number[],
    upstreamFailed: [] as number[],
  };
  for (const id of slot?.instances ?? []) {
    const rec = state.tasks.get(id)!;
    if (rec.mapIndex === null) continue;
    const category = finishedCategory(rec.state);
    if (category === 'success') indices.succeeded.push(rec.mapIndex);
    else if (category === 'failed') indices.failed.push(rec.mapIndex);
    else if (category === 'skipped') indices.skipped.push(rec.mapIndex);
    else if (category === 'upstream_failed') indices.upstreamFailed.push(rec.mapIndex);
  }
  return indices;
}
