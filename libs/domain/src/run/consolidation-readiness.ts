import type { PlanTaskNode } from '../spec/compiled-plan.js';
import type { Rejection, RunCommand } from './run-commands.js';
import type { RunState } from './run-state.js';
import { consolidationUpstream } from './expression-scope.js';
import { slotKeyOf } from './task-id.js';
import { explainConsolidationVerdict } from './consolidation-verdict.js';
import type { Emit } from './decide-emit.js';

// Consolidation readiness: when every group is done, and recording the consolidation's result.

/** In fan-in mode a pending consolidation with every group terminal is waiting for the consolidator, not stuck. */
export function awaitingFanIn(state: RunState): boolean {
  if (state.run.consolidationVia !== 'fan-in') return false;
  const rec = state.tasks.get(state.index.consolidationPath ?? '');
  return rec !== undefined && rec.state === 'pending' && allGroupsTerminal(state);
}

/** Every top-level group block expanded (or was ruled out) and none of its groups is running. */
function allGroupsTerminal(state: RunState): boolean {
  for (const block of state.index.topLevelBlocks) {
    const slot = state.slots.get(slotKeyOf(null, block));
    if (!slot || slot.status === 'unexpanded') return false;
    for (const path of slot.groups) if (state.groups.get(path)!.state === 'running') return false;
  }
  return true;
}

/**
 * Why consolidation round `round` no longer matches the run, or null when the run waits for exactly this
 * round: the run consolidates through the fan-in, the round is newer than the last recorded one, the
 * consolidation is `pending` and every top-level group is terminal. The consolidator asks this before
 * running the handler; the decider asks it again when the result arrives.
 */
export function consolidationRoundRefusal(state: RunState, round: number): Rejection | null {
  if (state.run.consolidationVia !== 'fan-in')
    return { code: 'invalid_state', message: `run ${state.run.id} consolidates in the planner` };
  const rec = state.tasks.get(state.index.consolidationPath ?? '');
  if (!rec) return { code: 'unknown_task', message: `run ${state.run.id} has no consolidation` };
  if (round <= state.run.consolidationRound)
    return { code: 'duplicate_result', message: `consolidation round ${round} was already recorded` };
  // Rounds only grow; a newer round is current when the run still waits for its consolidation.
  // A finished or cancelled run has no pending consolidation, so this also refuses rounds of ended runs.
  if (rec.state !== 'pending' || !allGroupsTerminal(state)) {
    return {
      code: 'stale_attempt',
      message: `consolidation round ${round} no longer matches the run (a group reopened)`,
    };
  }
  return null;
}

/** Records what the consolidator did for a round the fan-in triggered; a stale round is refused. */
export function recordConsolidation(
  state: RunState,
  command: Extract<RunCommand, { type: 'RecordConsolidationResult' }>,
  emit: Emit,
): Rejection | null {
  const refused = consolidationRoundRefusal(state, command.round);
  if (refused) return refused;
  const rec = state.tasks.get(state.index.consolidationPath!)!;
  const groups = (consolidationUpstream(state) as { groups: { path: string; state: string }[] }).groups;
  emit({
    type: 'ConsolidationTriggered',
    round: command.round,
    groups: groups.map((g) => ({ path: g.path, state: g.state === 'success' ? 'success' : 'failed' })),
    at: command.startedAt,
  });
  const taskId = rec.taskId;
  const at = command.finishedAt;
  if (command.outcome === 'skipped') {
    emit({ type: 'TaskInstanceSkipped', taskId, reason: command.error?.message ?? 'trigger rule', at });
    return null;
  }
  if (command.outcome === 'upstream_failed') {
    emit({
      type: 'TaskInstanceUpstreamFailed',
      taskId,
      reason: command.error?.message ?? 'trigger rule',
      at,
    });
    return null;
  }
  const attempt = rec.attempt + 1;
  const executor = (state.index.node(rec.stagePath) as PlanTaskNode).executor;
  emit({ type: 'TaskInstanceScheduled', taskId, at: command.startedAt });
  emit({ type: 'TaskInstanceQueued', taskId, attempt, executor, at: command.startedAt });
  emit({ type: 'TaskInstanceStarted', taskId, attempt, host: command.host, at: command.startedAt });
  if (command.outcome === 'success')
    emit({ type: 'TaskInstanceSucceeded', taskId, attempt, output: command.output ?? null, at });
  else
    emit({
      type: 'TaskInstanceFailed',
      taskId,
      attempt,
      error: command.error ?? { message: 'consolidation failed', type: 'Error', retryable: false },
      at,
    });
  return null;
}

/**
 * What the consolidation's trigger rule says now, over the top-level groups' outcomes: the consolidator
 * asks this before running the handler. `wait` while a group (or a block's expansion) is unfinished.
 */
export function consolidationVerdict(state: RunState): 'wait' | 'run' | 'skip' | 'upstream_failed' | 'none' {
  return explainConsolidationVerdict(state)?.verdict ?? 'none';
}
