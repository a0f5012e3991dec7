import type { Json } from '../spec/pipeline-spec.js';
import type { GroupBinding, PlanTaskNode, EvaluationResult } from '../spec/compiled-plan.js';
import type { RunState, SlotRecord, TaskRecord } from './run-state.js';
import { consolidationUpstream, scopeFor } from './expression-scope.js';
import { attemptIdOf } from './task-id.js';

/** Everything an executor needs to run one attempt (DESIGN §7 worker SDK `ctx`). */
export interface AttemptPayload {
  runId: string;
  pipelineId: string;
  taskId: string;
  attemptId: string;
  attempt: number;
  stagePath: string;
  stageId: string;
  executor: string;
  groupPath: string | null;
  mapIndex: number | null;
  input: Json;
  params: Json;
  group: GroupBinding | null;
  upstream: Json;
  /** Per mapped upstream stage id: its map indices by outcome (`mapIndicesOf`); `{}` when none is mapped. */
  upstreamIndices?: Json;
  item: Json;
  timeoutMs: number | null;
  priority: number;
  pool: string | null;
  /** Set when a lost dispatch is sent again (queuedTimeout): the message must not be dropped as a duplicate. */
  redispatchedAt?: number;
}

/**
 * The list a mapped stage or group block expands over, evaluated once and remembered in
 * `state.mapItems`. Cleared with `mapItemsOf.invalidate` when outputs change.
 */
export const mapItemsOf = Object.assign(
  (state: RunState, slot: SlotRecord): { ok: true; value: Json[] } | { ok: false; error: string } => {
    const cache = state.mapItems;
    const cached = cache.get(slot.key);
    if (cached) return { ok: true, value: cached };
    const node = state.index.node(slot.stagePath);
    const source = node.kind === 'task' ? node.map : node.over;
    if (!source) return { ok: false, error: `${slot.stagePath} is not mapped` };
    let result: EvaluationResult;
    if (source.kind === 'literal') result = { ok: true, value: source.items };
    else result = source.expression.evaluate(scopeFor(state, slot.stagePath, slot.groupPath));
    if (!result.ok) return result;
    if (!Array.isArray(result.value))
      return {
        ok: false,
        error: `expected a list, got ${result.value === null ? 'null' : typeof result.value}`,
      };
    cache.set(slot.key, result.value);
    return { ok: true, value: result.value };
  },
  { invalidate: (state: RunState): void => state.mapItems.clear() },
);

/** Renders an attempt's input (`with:` with `${{ }}` evaluated), upstream outputs and item. */
export function renderAttempt(
  state: RunState,
  rec: TaskRecord,
  attempt: number,
): { ok: true; payload: AttemptPayload } | { ok: false; error: string } {
  const node = state.index.node(rec.stagePath) as PlanTaskNode;
  let item: Json = null;
  if (node.map !== null && rec.mapIndex !== null) {
    const items = mapItemsOf(state, state.slots.get(rec.slotKey)!);
    if (!items.ok) return { ok: false, error: `map: ${items.error}` };
    if (rec.mapIndex >= items.value.length)
      return {
        ok: false,
        error: `map index ${rec.mapIndex} is past the list (${items.value.length} elements)`,
      };
    item = items.value[rec.mapIndex] ?? null;
  }
  const scope = scopeFor(state, rec.stagePath, rec.groupPath);
  if (node.isConsolidation) scope.upstream = consolidationUpstream(state) as Record<string, Json>;
  // `with:` sees secrets in their stored (encrypted) form, so `${{ params.token }}` hands the handler the
  // envelope its executor decrypts; every other expression sees them redacted.
  const input = node.input.render({ ...scope, params: state.run.params, item });
  if (!input.ok) return { ok: false, error: `with: ${input.error}` };
  return {
    ok: true,
    payload: {
      runId: state.run.id,
      pipelineId: state.run.pipelineId,
      taskId: rec.taskId,
      attemptId: attemptIdOf(state.run.id, rec.taskId, attempt),
      attempt,
      stagePath: rec.stagePath,
      stageId: node.id,
      executor: node.executor,
      groupPath: rec.groupPath,
      mapIndex: rec.mapIndex,
      input: input.value,
      params: state.run.params,
      group: scope.group ?? null,
      upstream: (scope.upstream ?? {}) as Json,
      upstreamIndices: (node.isConsolidation ? {} : (scope.upstreamIndices ?? {})) as Json,
      item,
      timeoutMs: node.settings.timeoutMs,
      priority: node.settings.priority,
      pool: node.pool,
    },
  };
}
