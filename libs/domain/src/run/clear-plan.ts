import type { RunCommand } from './run-commands.js';
import type { RunState, SlotRecord, TaskRecord } from './run-state.js';
import { forEachDependentSlot } from './run-graph.js';
import { slotKeyOf } from './task-id.js';
import { invalidTaskSelectorReason, selectTaskInstances } from './task-selectors.js';

type ClearCommand = Extract<RunCommand, { type: 'ClearTaskInstances' }>;

/** What a clear resets: the instances (named in replies and dry runs) and the unresolved blocks. */
export interface ClearPlan {
  /** Instances that go back to pending, in run order. */
  instances: TaskRecord[];
  /** Group blocks that never expanded (upstream failed) and expand again. */
  resets: SlotRecord[];
}

/**
 * The pure part of a clear, shared by the decider and dry runs so both name the same instances:
 * resolve the selectors against the run's instances (`states` filters what they match), add every
 * transitive descendant with `downstream` (the consolidation too, when it depends on the groups),
 * then keep only failed/upstream_failed with `onlyFailed` (Airflow's only-failed, descendants included).
 * Instances already pending are left out: there is nothing to reset.
 */
export function planClear(
  state: RunState,
  command: ClearCommand,
): ClearPlan | { code: 'unknown_task' | 'invalid_request'; message: string } {
  for (const selector of command.taskIds) {
    const problem = invalidTaskSelectorReason(selector);
    if (problem) return { code: 'invalid_request', message: `task selector '${selector}' ${problem}` };
  }
  const selection = selectTaskInstances(state.tasks.values(), command.taskIds, { states: command.states });
  if (selection.unmatched.length > 0) {
    const what = selection.unmatched.map((s) => `'${s}'`).join(', ');
    return { code: 'unknown_task', message: `run ${state.run.id} has no task instance matching ${what}` };
  }
  const instances = new Set<string>(selection.taskIds);
  const resets: SlotRecord[] = [];
  if (command.downstream) {
    const queue = [...selection.taskIds];
    const seenSlots = new Set<string>();
    const visitSlot = (slot: SlotRecord): void => {
      if (seenSlots.has(slot.key)) return;
      seenSlots.add(slot.key);
      if (slot.kind === 'task') {
        for (const id of slot.instances) {
          if (instances.has(id)) continue;
          instances.add(id);
          queue.push(id);
        }
      } else if (slot.status === 'unresolved') {
        resets.push(slot);
        forEachDependentSlot(state, slot.stagePath, slot.groupPath, visitSlot);
      }
    };
    const consolidation = state.index.consolidationPath;
    while (queue.length > 0) {
      const rec = state.tasks.get(queue.pop()!)!;
      forEachDependentSlot(state, rec.stagePath, rec.groupPath, visitSlot);
      if (consolidation && rec.groupPath !== null && state.index.consolidationOverGroups) {
        visitSlot(state.slots.get(slotKeyOf(null, consolidation))!);
      }
    }
  }
  const selected = [...state.tasks.values()]
    .filter((rec) => instances.has(rec.taskId))
    .filter((rec) => !command.onlyFailed || rec.state === 'failed' || rec.state === 'upstream_failed')
    .filter((rec) => rec.state !== 'pending');
  return { instances: selected, resets };
}
