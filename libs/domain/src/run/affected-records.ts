import type { RunEvent } from './run-events.js';
import type { RunState } from './run-state.js';
import { slotKeyOf, taskIdOf } from './task-id.js';

/** Which projected rows a batch of events changed: upsert these tasks and groups, delete the removed tasks. */
export interface AffectedRecords {
  run: boolean;
  taskIds: Set<string>;
  groupPaths: Set<string>;
  /** Placeholders of mapped stages that a clear sent back to "waiting for the list". */
  removedTaskIds: Set<string>;
}

/** Computes the affected records after `events` were applied to `state` (so new instances exist). */
export function affectedBy(state: RunState, events: readonly RunEvent[]): AffectedRecords {
  const affected: AffectedRecords = {
    run: false,
    taskIds: new Set(),
    groupPaths: new Set(),
    removedTaskIds: new Set(),
  };
  const addSlotInstances = (stagePath: string, groupPath: string | null): void => {
    for (const id of state.slots.get(slotKeyOf(groupPath, stagePath))?.instances ?? [])
      affected.taskIds.add(id);
  };
  for (const event of events) {
    switch (event.type) {
      case 'TriggerAccepted':
      case 'TriggerRejected':
        affected.run = true;
        for (const id of state.tasks.keys()) affected.taskIds.add(id);
        break;
      case 'RunPlanned':
      case 'ConsolidationTriggered':
      case 'RunCompleted':
      case 'RunReopened':
      case 'RunCancelled':
        affected.run = true;
        break;
      case 'GroupsExpanded':
        for (const group of event.groups) {
          affected.groupPaths.add(group.path);
          for (const child of state.index.children(event.blockPath)) addSlotInstances(child, group.path);
        }
        break;
      case 'TaskMapExpanded':
        addSlotInstances(event.stagePath, event.groupPath);
        break;
      case 'StageExpansionReset': {
        const id = taskIdOf(event.groupPath, state.index.node(event.stagePath).id, null);
        if (!state.tasks.has(id)) affected.removedTaskIds.add(id);
        break;
      }
      case 'GroupCompleted':
      case 'GroupReopened':
        affected.groupPaths.add(event.groupPath);
        break;
      case 'TaskInstanceQueued':
        // The run's first dispatch since it started or reopened admits it (runs.admitted_at).
        if (state.run.admittedAt === event.at) affected.run = true;
        affected.taskIds.add(event.taskId);
        break;
      default:
        affected.taskIds.add(event.taskId);
    }
  }
  for (const id of affected.removedTaskIds) affected.taskIds.delete(id);
  for (const id of affected.taskIds) if (!state.tasks.has(id)) affected.taskIds.delete(id);
  return affected;
}
