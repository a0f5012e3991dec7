import type { RunEvent } from './run-events.js';
import type { RunState } from './run-state.js';
import { countFinished } from './run-graph.js';
import { slotKeyOf } from './task-id.js';
import { adjustGroup, changeTaskState, clearTask, finish, task } from './evolve-task-state.js';
import { createSlot, expansionReset, groupsExpanded, initCounts, mapExpanded } from './evolve-expansion.js';
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
