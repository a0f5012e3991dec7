import type { Json } from '../spec/pipeline-spec.js';
import type { PlanTaskNode } from '../spec/compiled-plan.js';
import { retryDelayMs } from '../schedule/retry-delay.js';
import type { DecideContext, RunCommand } from './run-commands.js';
import type { TaskError } from './run-events.js';
import type { RunState, TaskRecord } from './run-state.js';
import { forEachDependentSlot } from './run-graph.js';
import { scopeFor } from './expression-scope.js';
import type { Emit } from './decide-emit.js';

// Results of attempts: success with its output (a map supplier checked against maxMapLength), failure with retries.

export function recordResult(
  state: RunState,
  rec: TaskRecord,
  command: Extract<RunCommand, { type: 'RecordTaskResult' }>,
  emit: Emit,
  ctx: DecideContext,
): void {
  const base = { taskId: rec.taskId, attempt: rec.attempt, at: ctx.now };
  if (command.outcome === 'skipped') {
    emit({
      type: 'TaskInstanceSkipped',
      taskId: rec.taskId,
      reason: command.error?.message ?? 'skipped by its handler',
      at: ctx.now,
    });
    return;
  }
  if (command.outcome === 'success') {
    const output = command.output ?? null;
    const tooLong = oversizedMapFor(state, rec, output);
    if (tooLong) {
      emit({
        type: 'TaskInstanceFailed',
        ...base,
        error: { message: tooLong, type: 'MaxMapLengthExceeded', retryable: false },
      });
      return;
    }
    emit({ type: 'TaskInstanceSucceeded', ...base, output });
    return;
  }
  failAttempt(state, rec, command.error ?? { message: 'failed', type: 'Error', retryable: true }, emit, ctx);
}

/** A failed attempt goes up for retry while the budget lasts and the error is retryable. */
export function failAttempt(
  state: RunState,
  rec: TaskRecord,
  error: TaskError,
  emit: Emit,
  ctx: DecideContext,
): void {
  const node = state.index.node(rec.stagePath) as PlanTaskNode;
  const settings = node.settings;
  const attemptsSinceClear = rec.attempt - rec.tryBase;
  if (error.retryable && attemptsSinceClear <= settings.retries) {
    const delay = retryDelayMs({ attempt: attemptsSinceClear, ...settings, random: ctx.random });
    emit({
      type: 'TaskInstanceUpForRetry',
      taskId: rec.taskId,
      attempt: rec.attempt,
      error,
      retryAt: ctx.now + delay,
      at: ctx.now,
    });
  } else {
    emit({ type: 'TaskInstanceFailed', taskId: rec.taskId, attempt: rec.attempt, error, at: ctx.now });
  }
}

/** maxMapLength fails the supplier (SEMANTICS "Mapping"): checked when its output would expand a dependent. */
function oversizedMapFor(state: RunState, rec: TaskRecord, output: Json): string | null {
  const id = state.index.node(rec.stagePath).id;
  const max = state.plan.spec.limits.maxMapLength;
  let problem: string | null = null;
  forEachDependentSlot(state, rec.stagePath, rec.groupPath, (slot) => {
    if (problem || slot.status !== 'unexpanded' || slot.groupPath !== rec.groupPath) return;
    const node = state.index.node(slot.stagePath);
    const source = node.kind === 'task' ? node.map : node.over;
    const suppliers = node.kind === 'task' ? node.mapSuppliers : node.overSuppliers;
    if (!source || source.kind !== 'cel' || suppliers.length !== 1 || suppliers[0] !== id) return;
    const scope = scopeFor(state, slot.stagePath, slot.groupPath);
    scope.upstream = { ...scope.upstream, [id]: output };
    const result = source.expression.evaluate(scope);
    if (result.ok && Array.isArray(result.value) && result.value.length > max) {
      problem = `output of ${rec.taskId} maps ${result.value.length} elements for ${slot.stagePath}, over maxMapLength ${max}`;
    }
  });
  return problem;
}
