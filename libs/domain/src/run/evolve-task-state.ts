import type { TaskState } from '../rules/task-state.js';
import type { RunState, TaskRecord } from './run-state.js';
import { countFinished, finishedCategory, forEachDependentSlot } from './run-graph.js';

// The primitives of evolve: an instance's state change with every counter that depends on it.

const UNFINISHED: ReadonlySet<TaskState> = new Set([
  'pending',
  'scheduled',
  'queued',
  'running',
  'up_for_retry',
]);
const isFailedUnit = (s: TaskState): boolean =>
  s === 'failed' || s === 'upstream_failed' || s === 'cancelled';

export function task(state: RunState, taskId: string): TaskRecord {
  const rec = state.tasks.get(taskId);
  if (!rec) throw new Error(`event for unknown task instance ${taskId}`);
  return rec;
}

export function finish(
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

export function clearTask(state: RunState, taskId: string): RunState {
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
export function changeTaskState(state: RunState, rec: TaskRecord, next: TaskState): RunState {
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

export function adjustGroup(
  state: RunState,
  path: string,
  unfinishedDelta: number,
  failedDelta: number,
): void {
  if (unfinishedDelta === 0 && failedDelta === 0) return;
  const group = state.groups.get(path);
  if (!group) throw new Error(`unknown group ${path}`);
  group.unfinished += unfinishedDelta;
  group.failedUnits += failedDelta;
  state.dirtyGroups.add(path);
}
