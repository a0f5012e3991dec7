import type { FinishedState, TaskState } from '../rules/task-state.js';
import type { RunState, SlotRecord } from './run-state.js';
import { slotKeyOf } from './task-id.js';

/** How a task state counts for a downstream's trigger rule (cancelled counts as failed); null = unfinished. */
export function finishedCategory(state: TaskState): FinishedState | null {
  switch (state) {
    case 'success':
    case 'skipped':
    case 'failed':
    case 'upstream_failed':
      return state;
    case 'cancelled':
      return 'failed';
    default:
      return null;
  }
}

/** The group `levelsUp` levels above `groupPath` (0 = itself); null = the top level. */
export function ancestorGroup(state: RunState, groupPath: string | null, levelsUp: number): string | null {
  let path = groupPath;
  for (let i = 0; i < levelsUp && path !== null; i++) path = state.groups.get(path)?.parentPath ?? null;
  return path;
}

/** Adds (delta 1) or removes (delta -1) one finished upstream from a slot's counters. */
export function countFinished(slot: SlotRecord, category: FinishedState, delta: 1 | -1): void {
  switch (category) {
    case 'success':
      slot.success += delta;
      break;
    case 'skipped':
      slot.skipped += delta;
      break;
    case 'failed':
      slot.failed += delta;
      break;
    case 'upstream_failed':
      slot.upstreamFailed += delta;
      break;
  }
}

/** Calls `visit` for every slot whose trigger rule counts instances of `stagePath` in `groupPath`. */
export function forEachDependentSlot(
  state: RunState,
  stagePath: string,
  groupPath: string | null,
  visit: (slot: SlotRecord) => void,
): void {
  for (const ref of state.index.dependentRefs(stagePath)) {
    visitStageSlots(state, ref.path, ancestorGroup(state, groupPath, ref.levelsUp), visit);
  }
}

/** A stage as a dependent: a task slot itself, or, for an expanded block, the roots of each of its groups. */
function visitStageSlots(
  state: RunState,
  stagePath: string,
  groupPath: string | null,
  visit: (slot: SlotRecord) => void,
): void {
  const slot = state.slots.get(slotKeyOf(groupPath, stagePath));
  if (!slot) return;
  if (slot.kind === 'task' || slot.status !== 'expanded') {
    visit(slot);
    return;
  }
  for (const child of slot.groups) {
    for (const root of state.index.roots(stagePath)) visitStageSlots(state, root, child, visit);
  }
}

export interface UnitCounts {
  success: number;
  skipped: number;
  failed: number;
  upstreamFailed: number;
  total: number;
  pendingSlots: number;
}

/** Counts the upstream units of a stage in a group from scratch (once, when its slot is created). */
export function collectUpstreamCounts(
  state: RunState,
  stagePath: string,
  groupPath: string | null,
): UnitCounts {
  const counts: UnitCounts = {
    success: 0,
    skipped: 0,
    failed: 0,
    upstreamFailed: 0,
    total: 0,
    pendingSlots: 0,
  };
  const add = (category: FinishedState | null): void => {
    counts.total += 1;
    if (category === 'success') counts.success += 1;
    else if (category === 'skipped') counts.skipped += 1;
    else if (category === 'failed') counts.failed += 1;
    else if (category === 'upstream_failed') counts.upstreamFailed += 1;
  };
  if (stagePath === state.index.consolidationPath && state.index.consolidationOverGroups) {
    for (const block of state.index.topLevelBlocks) {
      const slot = state.slots.get(slotKeyOf(null, block));
      if (!slot || slot.status === 'unexpanded') counts.pendingSlots += 1;
      else if (slot.status === 'unresolved') add(slot.unresolvedState);
      else {
        for (const child of slot.groups) {
          const group = state.groups.get(child);
          add(group && group.state !== 'running' ? group.state : null);
        }
      }
    }
    return counts;
  }
  const addUnits = (upstream: string, inGroup: string | null): void => {
    const slot = state.slots.get(slotKeyOf(inGroup, upstream));
    if (!slot || slot.status === 'unexpanded') {
      counts.pendingSlots += 1;
    } else if (slot.status === 'unresolved') {
      add(slot.unresolvedState);
    } else if (slot.kind === 'task') {
      for (const taskId of slot.instances) add(finishedCategory(state.tasks.get(taskId)!.state));
    } else {
      for (const child of slot.groups) {
        for (const grandChild of state.index.children(upstream)) addUnits(grandChild, child);
      }
    }
  };
  for (const ref of state.index.upstreamRefs(stagePath))
    addUnits(ref.path, ancestorGroup(state, groupPath, ref.levelsUp));
  return counts;
}
