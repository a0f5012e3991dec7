import type { DecideContext, RunCommand } from './run-commands.js';
import type { RunState } from './run-state.js';
import { mapItemsOf } from './attempt-payload.js';
import { type ClearPlan } from './clear-plan.js';
import type { Emit } from './decide-emit.js';

// Clear: resets the planned instances (and reopens the run) as Airflow does.

export function clear(
  state: RunState,
  command: Extract<RunCommand, { type: 'ClearTaskInstances' }>,
  { instances: selected, resets }: ClearPlan,
  emit: Emit,
  ctx: DecideContext,
): void {
  if (selected.length === 0 && resets.length === 0) return;
  if (state.run.status !== 'running')
    emit({ type: 'RunReopened', actor: command.actor, reason: command.reason ?? '', at: ctx.now });
  const who = { actor: command.actor, at: ctx.now };
  for (const rec of selected) {
    if (rec.state === 'queued' || rec.state === 'running') {
      emit({
        type: 'TaskInstanceCancelled',
        taskId: rec.taskId,
        reason: 'cleared while running',
        actor: command.actor,
        at: ctx.now,
      });
    }
    const node = state.index.node(rec.stagePath);
    if (node.kind === 'task' && node.map !== null && rec.mapIndex === null) {
      emit({ type: 'StageExpansionReset', stagePath: rec.stagePath, groupPath: rec.groupPath, ...who });
    } else {
      emit({ type: 'TaskInstanceCleared', taskId: rec.taskId, reason: command.reason ?? '', ...who });
    }
  }
  for (const slot of resets)
    emit({ type: 'StageExpansionReset', stagePath: slot.stagePath, groupPath: slot.groupPath, ...who });
  mapItemsOf.invalidate(state);
}
