import type { FinishedState, TaskState } from '../rules/task-state.js';
import type { RunEvent } from './run-events.js';
import type { GroupRecord, RunState, SlotRecord, TaskRecord } from './run-state.js';
import { countFinished, collectUpstreamCounts, finishedCategory, forEachDependentSlot } from './run-graph.js';
import { slotKeyOf, taskIdOf } from './task-id.js';

const UNFINISHED: ReadonlySet<TaskState> = new Set([
  'pending',
  'scheduled',
  'queued',
  'running',
  'up_for_retry',
]);
const isFailedUnit = (s: TaskState): boolean =>
  s === 'failed' || s === 'upstream_failed' || s === 'cancelled';

/**
 * Applies one event to a run's state, in place, and returns it. Deterministic: the same events from
 * `initialRunState(plan)` always give the same state. Cost is O(instances the event touches).
 */
export function evolve(state: RunState, event: RunEvent): RunState {
  state.eventCount += 1;
  switch (event.type) {
    case 'TriggerAccepted': {
      Object.assign(state.run, {
        id: event.runId,
        pipelineId: event.pipelineId,
        version: event.version,
        status: 'running',
        params: event.params,
        idempotencyKey: event.idempotencyKey,
        createdAt: event.at,
        consolidationVia: event.consolidationVia,
      });
      const created = state.index.children(null).map((path) => createSlot(state, path, null));
      if (state.index.consolidationPath) created.push(createSlot(state, state.index.consolidationPath, null));
      for (const slot of created) initCounts(state, slot);
      return state;
    }
    case 'TriggerRejected':
      Object.assign(state.run, {
        id: event.runId,
        status: 'rejected',
        createdAt: event.at,
        finishedAt: event.at,
        reason: 'trigger rejected',
      });
      return state;
    case 'RunPlanned':
      return state;
    case 'GroupsExpanded':
      return groupsExpanded(state, event);
    case 'TaskMapExpanded':
      return mapExpanded(state, event.stagePath, event.groupPath, event.length, event.labels);
    case 'StageExpansionReset':
      return expansionReset(state, event.stagePath, event.groupPath);
    case 'TaskInstanceScheduled': {
      const rec = task(state, event.taskId);
      rec.retryAt = null;
      rec.firstScheduledAt ??= event.at;
      rec.readySeq = ++state.readySeq;
      return changeTaskState(state, rec, 'scheduled');
    }
    case 'TaskInstanceQueued': {
      state.run.admittedAt ??= event.at;
      const rec = task(state, event.taskId);
      Object.assign(rec, {
        attempt: event.attempt,
        queuedAt: event.at,
        startedAt: null,
        finishedAt: null,
        output: null,
        error: null,
      });
      return changeTaskState(state, rec, 'queued');
    }
    case 'TaskInstanceRequeued':
      task(state, event.taskId).queuedAt = event.at;
      return state;
    case 'TaskInstanceStarted': {
      const rec = task(state, event.taskId);
      rec.startedAt = event.at;
      return changeTaskState(state, rec, 'running');
    }
    case 'TaskInstanceSucceeded':
      return finish(state, event.taskId, 'success', event.at, (rec) => (rec.output = event.output));
    case 'TaskInstanceFailed':
      return finish(state, event.taskId, 'failed', event.at, (rec) => (rec.error = event.error));
    case 'TaskInstanceUpForRetry':
      return finish(state, event.taskId, 'up_for_retry', event.at, (rec) => {
        rec.error = event.error;
        rec.retryAt = event.retryAt;
      });
    case 'TaskInstanceSkipped':
      return finish(state, event.taskId, 'skipped', event.at);
    case 'TaskInstanceUpstreamFailed':
      return finish(state, event.taskId, 'upstream_failed', event.at);
    case 'TaskInstanceCancelled':
      return finish(state, event.taskId, 'cancelled', event.at);
    case 'TaskInstanceMarked':
      return finish(state, event.taskId, event.state, event.at);
    case 'TaskInstanceCleared':
      return clearTask(state, event.taskId);
    case 'GroupCompleted':
      return groupCompleted(state, event.groupPath, event.state);
    case 'GroupReopened':
      return groupReopened(state, event.groupPath);
    case 'ConsolidationTriggered':
      state.run.consolidationRound = event.round;
      return state;
    case 'RunCompleted':
      Object.assign(state.run, { status: event.state, finishedAt: event.at, reason: event.reason });
      return state;
    case 'RunReopened':
      Object.assign(state.run, { status: 'running', finishedAt: null, reason: null, admittedAt: null });
      state.expansionError = null;
      return state;
    case 'RunCancelled':
      Object.assign(state.run, { status: 'cancelled', finishedAt: event.at, reason: event.reason });
      return state;
    default: {
      const never: never = event;
      throw new Error(`unknown event ${(never as { type: string }).type}`);
    }
  }
}

function task(state: RunState, taskId: string): TaskRecord {
  const rec = state.tasks.get(taskId);
  if (!rec) throw new Error(`event for unknown task instance ${taskId}`);
  return rec;
}

function finish(
  state: RunState,
  taskId: string,
  next: TaskState,
  at: number,
  set?: (rec: TaskRecord) => void,
): RunState {
  const rec = task(state, taskId);
  rec.finishedAt = next === 'up_for_retry' ? null : at;
  set?.(rec);
  return changeTaskState(state, rec, next);
}

function clearTask(state: RunState, taskId: string): RunState {
  const rec = task(state, taskId);
  Object.assign(rec, {
    tryBase: rec.attempt,
    output: null,
    error: null,
    queuedAt: null,
    startedAt: null,
    finishedAt: null,
    retryAt: null,
  });
  changeTaskState(state, rec, 'pending');
  state.dirtySlots.add(rec.slotKey);
  return state;
}

/** Moves an instance to a new state and keeps every counter that depends on it in step. */
function changeTaskState(state: RunState, rec: TaskRecord, next: TaskState): RunState {
  const prev = rec.state;
  if (prev === next) return state;
  const isActive = (s: TaskState): boolean => s === 'queued' || s === 'running';
  if (isActive(prev) !== isActive(next)) {
    const delta = isActive(next) ? 1 : -1;
    state.active += delta;
    state.activeByStage.set(rec.stagePath, (state.activeByStage.get(rec.stagePath) ?? 0) + delta);
  }
  if (prev === 'scheduled') state.scheduled.delete(rec.taskId);
  if (next === 'scheduled') state.scheduled.add(rec.taskId);
  if (prev === 'up_for_retry') state.retrying.delete(rec.taskId);
  if (next === 'up_for_retry') state.retrying.add(rec.taskId);
  if (prev === 'running') state.running.delete(rec.taskId);
  if (next === 'running') state.running.add(rec.taskId);
  if (prev === 'queued') state.queued.delete(rec.taskId);
  if (next === 'queued') state.queued.add(rec.taskId);

  const wasUnfinished = UNFINISHED.has(prev);
  const isUnfinished = UNFINISHED.has(next);
  const unfinishedDelta = (isUnfinished ? 1 : 0) - (wasUnfinished ? 1 : 0);
  const failedDelta = (isFailedUnit(next) ? 1 : 0) - (isFailedUnit(prev) ? 1 : 0);
  state.unfinished += unfinishedDelta;
  if (rec.groupPath !== null) adjustGroup(state, rec.groupPath, unfinishedDelta, failedDelta);
  if (state.index.isLeaf(rec.stagePath)) {
    const failedLeaf = (s: TaskState): number =>
      s === 'failed' || s === 'upstream_failed' || s === 'cancelled' ? 1 : 0;
    state.failedLeaves += failedLeaf(next) - failedLeaf(prev);
  }
  const before = finishedCategory(prev);
  const after = finishedCategory(next);
  rec.state = next;
  if (prev === 'pending' || next === 'pending') {
    const own = state.slots.get(rec.slotKey)!;
    own.pendingCount += next === 'pending' ? 1 : -1;
  }
  if (before !== after) {
    forEachDependentSlot(state, rec.stagePath, rec.groupPath, (slot) => {
      if (before) countFinished(slot, before, -1);
      if (after) countFinished(slot, after, 1);
      state.dirtySlots.add(slot.key);
    });
  }
  return state;
}

function adjustGroup(state: RunState, path: string, unfinishedDelta: number, failedDelta: number): void {
  if (unfinishedDelta === 0 && failedDelta === 0) return;
  const group = state.groups.get(path);
  if (!group) throw new Error(`unknown group ${path}`);
  group.unfinished += unfinishedDelta;
  group.failedUnits += failedDelta;
  state.dirtyGroups.add(path);
}

/** Creates a stage's slot in a group (counters are filled by initCounts once all siblings exist). */
function createSlot(state: RunState, stagePath: string, groupPath: string | null): SlotRecord {
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

function initCounts(state: RunState, slot: SlotRecord): void {
  Object.assign(slot, collectUpstreamCounts(state, slot.stagePath, slot.groupPath));
}

function addInstance(
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
function notifyDependents(
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

function mapExpanded(
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

function groupsExpanded(state: RunState, event: Extract<RunEvent, { type: 'GroupsExpanded' }>): RunState {
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

function groupCompleted(state: RunState, path: string, outcome: 'success' | 'failed'): RunState {
  const group = state.groups.get(path)!;
  group.state = outcome;
  if (group.parentPath !== null) adjustGroup(state, group.parentPath, -1, outcome === 'failed' ? 1 : 0);
  else consolidationCountsGroup(state, outcome, 1);
  return state;
}

function groupReopened(state: RunState, path: string): RunState {
  const group = state.groups.get(path)!;
  const previous = group.state;
  if (previous === 'running') return state;
  group.state = 'running';
  if (group.parentPath !== null) adjustGroup(state, group.parentPath, 1, previous === 'failed' ? -1 : 0);
  else consolidationCountsGroup(state, previous, -1);
  state.dirtyGroups.add(path);
  return state;
}

function consolidationCountsGroup(state: RunState, outcome: 'success' | 'failed', delta: 1 | -1): void {
  if (!state.index.consolidationOverGroups) return;
  const consolidation = state.slots.get(slotKeyOf(null, state.index.consolidationPath!));
  if (!consolidation) return;
  countFinished(consolidation, outcome, delta);
  state.dirtySlots.add(consolidation.key);
}

/** A mapped stage's placeholder instance or an unresolved block goes back to waiting for its list. */
function expansionReset(state: RunState, stagePath: string, groupPath: string | null): RunState {
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
