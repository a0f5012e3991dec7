import { evaluateTriggerRule } from '../rules/evaluate-trigger-rule.js';
import type { DecideContext } from './run-commands.js';
import type { RunState, SlotRecord } from './run-state.js';
import { consolidationUpstream, scopeFor } from './expression-scope.js';
import { consolidationSlotVerdict } from './consolidation-verdict.js';
import { awaitingFanIn } from './consolidation-readiness.js';
import { expandGroups } from './expand-groups.js';
import { expandMap } from './expand-map.js';
import type { Emit } from './decide-emit.js';

// The cascade: settles every slot whose counters changed, until nothing more follows from the events so far.

/** Settles everything the last events made decidable: expansions, trigger rules, groups, the run. */
export function cascade(state: RunState, emit: Emit, ctx: DecideContext): void {
  for (;;) {
    if (state.run.status !== 'running') break;
    // Groups first: a reopened group must stop counting as done before the consolidation is evaluated.
    const groupPath = first(state.dirtyGroups);
    if (groupPath !== undefined) {
      state.dirtyGroups.delete(groupPath);
      const group = state.groups.get(groupPath)!;
      if (group.state === 'running' && group.unfinished === 0) {
        emit({
          type: 'GroupCompleted',
          groupPath,
          state: group.failedUnits > 0 ? 'failed' : 'success',
          at: ctx.now,
        });
      } else if (group.state !== 'running' && group.unfinished > 0) {
        emit({ type: 'GroupReopened', groupPath, at: ctx.now });
      }
      continue;
    }
    const slotKey = first(state.dirtySlots);
    if (slotKey !== undefined) {
      state.dirtySlots.delete(slotKey);
      const slot = state.slots.get(slotKey);
      if (slot) settleSlot(state, slot, emit, ctx);
      continue;
    }
    break;
  }
  state.dirtySlots.clear();
  state.dirtyGroups.clear();
  if (state.run.status !== 'running') return;
  if (state.unfinished === 0) {
    const failed = state.failedLeaves > 0;
    emit({
      type: 'RunCompleted',
      state: failed ? 'failed' : 'success',
      reason: failed ? (state.expansionError ?? 'a leaf task failed or is upstream_failed') : null,
      at: ctx.now,
    });
  } else if (
    state.active === 0 &&
    state.scheduled.size === 0 &&
    state.retrying.size === 0 &&
    !awaitingFanIn(state)
  ) {
    emit({ type: 'RunCompleted', state: 'failed', reason: 'deadlocked', at: ctx.now });
  }
}

function first<T>(set: Set<T>): T | undefined {
  for (const value of set) return value;
  return undefined;
}

function settleSlot(state: RunState, slot: SlotRecord, emit: Emit, ctx: DecideContext): void {
  const node = state.index.node(slot.stagePath);
  if (node.kind === 'group') {
    if (slot.status === 'unexpanded') expandGroups(state, node, slot, emit, ctx);
    return;
  }
  if (slot.status === 'unexpanded') {
    expandMap(state, node, slot, emit, ctx);
    return;
  }
  if (slot.pendingCount === 0) return;
  if (node.isConsolidation && state.run.consolidationVia === 'fan-in') return;
  // The consolidation's rule may carry a failure budget (`tolerate`): the same verdict the consolidator uses.
  const budgeted = node.isConsolidation ? consolidationSlotVerdict(state, node, slot) : null;
  const verdict =
    budgeted?.verdict ??
    evaluateTriggerRule(node.triggerRule, {
      success: slot.success,
      skipped: slot.skipped,
      failed: slot.failed,
      upstreamFailed: slot.upstreamFailed,
      total: slot.total,
      complete: slot.pendingSlots === 0,
    });
  if (verdict === 'wait') return;
  const pending = slot.instances.map((id) => state.tasks.get(id)!).filter((rec) => rec.state === 'pending');
  if (verdict === 'skip' || verdict === 'upstream_failed') {
    const reason = budgeted?.reason ?? `trigger rule ${node.triggerRule}`;
    for (const rec of pending) {
      const taskId = rec.taskId;
      emit(
        verdict === 'skip'
          ? { type: 'TaskInstanceSkipped', taskId, reason, at: ctx.now }
          : { type: 'TaskInstanceUpstreamFailed', taskId, reason, at: ctx.now },
      );
    }
    return;
  }
  if (node.isConsolidation && pending.length > 0) {
    const groups = (consolidationUpstream(state) as { groups: { path: string; state: string }[] }).groups;
    emit({
      type: 'ConsolidationTriggered',
      round: state.run.consolidationRound + 1,
      groups: groups.map((g) => ({ path: g.path, state: g.state === 'success' ? 'success' : 'failed' })),
      at: ctx.now,
    });
  }
  for (const rec of pending) {
    if (node.when) {
      const result = node.when.evaluate(scopeFor(state, rec.stagePath, rec.groupPath));
      if (!result.ok) {
        emit({
          type: 'TaskInstanceFailed',
          taskId: rec.taskId,
          attempt: rec.attempt,
          error: { message: `when: ${result.error}`, type: 'ExpressionError', retryable: false },
          at: ctx.now,
        });
        continue;
      }
      if (result.value !== true) {
        emit({
          type: 'TaskInstanceSkipped',
          taskId: rec.taskId,
          reason: `when: ${node.when.source} is false`,
          at: ctx.now,
        });
        continue;
      }
    }
    emit({ type: 'TaskInstanceScheduled', taskId: rec.taskId, at: ctx.now });
  }
}
