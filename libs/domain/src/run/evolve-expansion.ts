import type { FinishedState } from '../rules/task-state.js';
import type { RunEvent } from './run-events.js';
import type { GroupRecord, RunState, SlotRecord } from './run-state.js';
import { countFinished, collectUpstreamCounts, forEachDependentSlot } from './run-graph.js';
import { slotKeyOf, taskIdOf } from './task-id.js';
import { adjustGroup, changeTaskState } from './evolve-task-state.js';

// How expansion events create slots and instances (and a reset sends them back to waiting for a list).

/** Creates a stage's slot in a group (counters are filled by initCounts once all siblings exist). */
export function createSlot(state: RunState, stagePath: string, groupPath: string | null): SlotRecord {
  const node = state.index.node(stagePath);
  const key = slotKeyOf(groupPath, stagePath);
  const expandedNow = node.kind === 'task' && node.map === null;
  const slot: SlotRecord = {
    key,
    stagePath,
    groupPath,
    kind: node.kind,
    status: expandedNow ? 'expanded' : 'unexpanded',
    unresolvedState: null,
    success: 0,
    skipped: 0,
    failed: 0,
    upstreamFailed: 0,
    total: 0,
    pendingSlots: 0,
    pendingCount: 0,
    instances: [],
    groups: [],
  };
  state.slots.set(key, slot);
  if (expandedNow) addInstance(state, slot, null);
  else {
    state.unfinished += 1;
    if (groupPath !== null) adjustGroup(state, groupPath, 1, 0);
  }
  state.dirtySlots.add(key);
  return slot;
}

export function initCounts(state: RunState, slot: SlotRecord): void {
  Object.assign(slot, collectUpstreamCounts(state, slot.stagePath, slot.groupPath));
}

export function addInstance(
  state: RunState,
  slot: SlotRecord,
  mapIndex: number | null,
  label: string | null = null,
): void {
  const node = state.index.node(slot.stagePath);
  const taskId = taskIdOf(slot.groupPath, node.id, mapIndex);
  state.tasks.set(taskId, {
    taskId,
    slotKey: slot.key,
    stagePath: slot.stagePath,
    groupPath: slot.groupPath,
    mapIndex,
    label,
    state: 'pending',
    attempt: 0,
    tryBase: 0,
    output: null,
    error: null,
    readySeq: 0,
    firstScheduledAt: null,
    queuedAt: null,
    startedAt: null,
    finishedAt: null,
    retryAt: null,
  });
  slot.instances.push(taskId);
  slot.pendingCount += 1;
  state.unfinished += 1;
  if (slot.groupPath !== null) adjustGroup(state, slot.groupPath, 1, 0);
}

/** Tells the dependents of a slot that it expanded (or collapsed back): pending slots and totals change. */
export function notifyDependents(
  state: RunState,
  slot: SlotRecord,
  pendingDelta: number,
  totalDelta: number,
  finished?: { category: FinishedState; delta: 1 | -1 },
): void {
  const apply = (dep: SlotRecord): void => {
    dep.pendingSlots += pendingDelta;
    dep.total += totalDelta;
    if (finished) countFinished(dep, finished.category, finished.delta);
    state.dirtySlots.add(dep.key);
  };
  forEachDependentSlot(state, slot.stagePath, slot.groupPath, apply);
  if (slot.groupPath === null && slot.kind === 'group' && state.index.consolidationOverGroups) {
    const consolidation = state.slots.get(slotKeyOf(null, state.index.consolidationPath!));
    if (consolidation) apply(consolidation);
  }
}

export function mapExpanded(
  state: RunState,
  stagePath: string,
  groupPath: string | null,
  length: number | null,
  labels?: readonly string[],
): RunState {
  const slot = state.slots.get(slotKeyOf(groupPath, stagePath));
  if (!slot || slot.status !== 'unexpanded')
    throw new Error(`stage ${stagePath} in ${groupPath ?? 'run'} is not waiting for expansion`);
  slot.status = 'expanded';
  const mapped = length !== null && length > 0;
  const count = mapped ? length : 1;
  for (let i = 0; i < count; i++)
    addInstance(state, slot, mapped ? i : null, mapped ? (labels?.[i] ?? null) : null);
  // The slot itself stops counting as one unfinished unit; its instances count instead.
  state.unfinished -= 1;
  if (groupPath !== null) adjustGroup(state, groupPath, -1, 0);
  notifyDependents(state, slot, -1, count);
  state.dirtySlots.add(slot.key);
  return state;
}

export function groupsExpanded(
  state: RunState,
  event: Extract<RunEvent, { type: 'GroupsExpanded' }>,
): RunState {
  const slot = state.slots.get(slotKeyOf(event.parentGroup, event.blockPath));
  if (!slot || slot.status !== 'unexpanded')
    throw new Error(
      `group block ${event.blockPath} in ${event.parentGroup ?? 'run'} is not waiting for expansion`,
    );
  state.unfinished -= 1;
  if (event.unresolved !== null) {
    slot.status = 'unresolved';
    slot.unresolvedState = event.unresolved;
    const failed = event.unresolved === 'upstream_failed';
    if (event.error !== null)
      state.expansionError ??= `group block ${event.blockPath}${event.parentGroup === null ? '' : ` in ${event.parentGroup}`}: ${event.error}`;
    if (event.parentGroup !== null) adjustGroup(state, event.parentGroup, -1, failed ? 1 : 0);
    if (failed && state.index.isLeaf(event.blockPath)) state.failedLeaves += 1;
    notifyDependents(state, slot, -1, 1, { category: event.unresolved, delta: 1 });
    return state;
  }
  slot.status = 'expanded';
  if (event.parentGroup !== null) adjustGroup(state, event.parentGroup, event.groups.length - 1, 0);
  const children = state.index.children(event.blockPath);
  const created: SlotRecord[] = [];
  let newUnits = 0;
  let newPending = 0;
  for (const g of event.groups) {
    const group: GroupRecord = {
      path: g.path,
      blockPath: event.blockPath,
      key: g.key,
      value: g.value,
      parentPath: event.parentGroup,
      label: g.label ?? null,
      startedAt: event.at,
      state: 'running',
      unfinished: 0,
      failedUnits: 0,
    };
    state.groups.set(g.path, group);
    slot.groups.push(g.path);
    state.dirtyGroups.add(g.path);
    for (const child of children) {
      const childSlot = createSlot(state, child, g.path);
      created.push(childSlot);
      if (childSlot.status === 'expanded') newUnits += 1;
      else newPending += 1;
    }
  }
  for (const childSlot of created) initCounts(state, childSlot);
  // Dependents of the block count every task of every new group (roots of the new groups counted themselves).
  const isNew = new Set(created.map((s) => s.key));
  const apply = (dep: SlotRecord): void => {
    if (isNew.has(dep.key)) return;
    dep.pendingSlots += newPending - 1;
    dep.total += newUnits;
    state.dirtySlots.add(dep.key);
  };
  forEachDependentSlot(state, slot.stagePath, slot.groupPath, apply);
  if (event.parentGroup === null && state.index.consolidationOverGroups) {
    const consolidation = state.slots.get(slotKeyOf(null, state.index.consolidationPath!))!;
    consolidation.pendingSlots -= 1;
    consolidation.total += event.groups.length;
    state.dirtySlots.add(consolidation.key);
  }
  return state;
}

/** A mapped stage's placeholder instance or an unresolved block goes back to waiting for its list. */
export function expansionReset(state: RunState, stagePath: string, groupPath: string | null): RunState {
  const slot = state.slots.get(slotKeyOf(groupPath, stagePath));
  if (!slot) throw new Error(`no stage ${stagePath} in ${groupPath ?? 'run'}`);
  if (slot.kind === 'task') {
    const placeholder = slot.instances.length === 1 ? state.tasks.get(slot.instances[0]!) : undefined;
    if (slot.status !== 'expanded' || !placeholder || placeholder.mapIndex !== null) {
      throw new Error(`stage ${stagePath} in ${groupPath ?? 'run'} has no placeholder to reset`);
    }
    // Reopen the placeholder (counters see it unfinished), then trade it for an unexpanded slot.
    changeTaskState(state, placeholder, 'pending');
    state.tasks.delete(placeholder.taskId);
    slot.instances = [];
    slot.pendingCount = 0;
    slot.status = 'unexpanded';
    notifyDependents(state, slot, 1, -1);
  } else {
    if (slot.status !== 'unresolved')
      throw new Error(`group block ${stagePath} in ${groupPath ?? 'run'} is not unresolved`);
    const category = slot.unresolvedState!;
    const failed = category === 'upstream_failed';
    slot.status = 'unexpanded';
    slot.unresolvedState = null;
    state.unfinished += 1;
    if (groupPath !== null) adjustGroup(state, groupPath, 1, failed ? -1 : 0);
    if (failed && state.index.isLeaf(stagePath)) state.failedLeaves -= 1;
    notifyDependents(state, slot, 1, -1, { category, delta: -1 });
  }
  state.dirtySlots.add(slot.key);
  return state;
}
