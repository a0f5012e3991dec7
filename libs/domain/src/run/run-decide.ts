import type { Json } from '../spec/pipeline-spec.js';
import type { PlanBlockNode, PlanTaskNode } from '../spec/compiled-plan.js';
import { evaluateTriggerRule } from '../rules/evaluate-trigger-rule.js';
import { retryDelayMs } from '../schedule/retry-delay.js';
import type { DecideContext, Rejection, RunCommand } from './run-commands.js';
import type { RunEvent, TaskError } from './run-events.js';
import type { RunState, SlotRecord, TaskRecord } from './run-state.js';
import { evolve } from './run-evolve.js';
import { finishedCategory, forEachDependentSlot } from './run-graph.js';
import { consolidationUpstream, groupBindingOf, scopeFor } from './expression-scope.js';
import { groupKeyOf, groupPathOf, invalidGroupKeyReason, slotKeyOf } from './task-id.js';
import { renderAttempt, type AttemptPayload, mapItemsOf } from './attempt-payload.js';
import { consolidationSlotVerdict, explainConsolidationVerdict } from './consolidation-verdict.js';
import { labelsOf } from './map-labels.js';
import { planClear, type ClearPlan } from './clear-plan.js';
import { instanceCapProblem, instancesPerGroup } from './instance-cap.js';
import { secretPointer, unsealedSecretPaths } from '../spec/secret-params.js';

export interface Decision {
  events: RunEvent[];
  rejection: Rejection | null;
  /** The rendered payload of every attempt queued (DispatchTasks) or re-queued (RequeueLostDispatches) by this decision. */
  dispatches: AttemptPayload[];
  /** Operator commands: the task instances they reset, marked or cancelled (named in the reply). */
  affected?: string[];
}

/**
 * Decides what a command means for a run and returns the events. The state is advanced by exactly
 * those events as decide goes (a cascade needs the state after each step): folding the returned
 * events with `evolve` from the same starting state reproduces it. A refused command returns no
 * events and a typed rejection; decide never throws for bad input.
 */
export function decide(state: RunState, command: RunCommand, ctx: DecideContext): Decision {
  const decision: Decision = { events: [], rejection: null, dispatches: [] };
  const emit = (event: RunEvent): void => {
    decision.events.push(event);
    evolve(state, event);
  };
  const reject = (code: Rejection['code'], message: string): Decision => ({
    events: [],
    rejection: { code, message },
    dispatches: [],
  });

  if (command.type === 'StartRun') {
    if (state.run.status !== 'new')
      return reject('run_already_started', `run ${command.runId} was already started`);
    const checked = state.plan.validateParams(command.params ?? {});
    const base = {
      runId: command.runId,
      pipelineId: command.pipelineId,
      idempotencyKey: command.idempotencyKey,
      actor: command.actor,
      at: ctx.now,
    };
    if (!checked.ok) {
      emit({ type: 'TriggerRejected', ...base, issues: checked.issues });
      return decision;
    }
    const unsealed = unsealedSecretPaths(checked.params, state.plan.secretParams);
    if (unsealed.length > 0) {
      // A trigger that bypassed the api (published on NATS directly): its secrets were never encrypted.
      const issues = unsealed.map((path) => ({
        path: `/params${secretPointer(path)}`,
        message:
          'a secret param arrived unencrypted (not through the api, which encrypts secret params); it was not stored',
      }));
      emit({ type: 'TriggerRejected', ...base, issues });
      return decision;
    }
    const consolidationVia = state.index.consolidationOverGroups
      ? (command.consolidationVia ?? 'planner')
      : 'planner';
    emit({
      type: 'TriggerAccepted',
      ...base,
      version: command.version,
      params: checked.params,
      consolidationVia,
    });
    emit({ type: 'RunPlanned', groupBlocks: state.index.topLevelBlocks.length, at: ctx.now });
    cascade(state, emit, ctx);
    return decision;
  }
  if (state.run.status === 'new' || state.run.status === 'rejected')
    return reject('run_not_started', `run ${command.runId} has not started`);
  if (command.runId !== state.run.id)
    return reject('wrong_run', `command for run ${command.runId} sent to run ${state.run.id}`);

  switch (command.type) {
    case 'DispatchTasks': {
      for (const taskId of command.taskIds) {
        const rec = state.tasks.get(taskId);
        if (!rec || rec.state !== 'scheduled') continue;
        const node = state.index.node(rec.stagePath) as PlanTaskNode;
        const attempt = rec.attempt + 1;
        const rendered = renderAttempt(state, rec, attempt);
        if (!rendered.ok) {
          emit({
            type: 'TaskInstanceFailed',
            taskId,
            attempt,
            error: { message: rendered.error, type: 'InputError', retryable: false },
            at: ctx.now,
          });
          continue;
        }
        emit({ type: 'TaskInstanceQueued', taskId, attempt, executor: node.executor, at: ctx.now });
        decision.dispatches.push(rendered.payload);
      }
      break;
    }
    case 'RecordTaskStarted': {
      const rec = state.tasks.get(command.taskId);
      if (!rec) return reject('unknown_task', `run ${state.run.id} has no task instance ${command.taskId}`);
      if (command.attempt !== rec.attempt)
        return reject(
          'stale_attempt',
          `attempt ${command.attempt} of ${command.taskId} is not current (current: ${rec.attempt})`,
        );
      if (rec.state === 'running')
        return reject('duplicate_result', `attempt ${command.attempt} of ${command.taskId} already started`);
      if (rec.state !== 'queued')
        return reject('invalid_state', `${command.taskId} is ${rec.state}, not queued`);
      emit({
        type: 'TaskInstanceStarted',
        taskId: rec.taskId,
        attempt: rec.attempt,
        host: command.host,
        at: ctx.now,
      });
      return decision;
    }
    case 'RecordTaskResult': {
      const rec = state.tasks.get(command.taskId);
      if (!rec) return reject('unknown_task', `run ${state.run.id} has no task instance ${command.taskId}`);
      if (command.attempt !== rec.attempt)
        return reject(
          'stale_attempt',
          `attempt ${command.attempt} of ${command.taskId} is not current (current: ${rec.attempt})`,
        );
      if (rec.state !== 'queued' && rec.state !== 'running') {
        return reject(
          'duplicate_result',
          `attempt ${command.attempt} of ${command.taskId} already ended ${rec.state}`,
        );
      }
      recordResult(state, rec, command, emit, ctx);
      break;
    }
    case 'Tick':
      tick(state, emit, ctx);
      break;
    case 'RequeueLostDispatches':
      for (const taskId of command.taskIds)
        requeueLostDispatch(state, taskId, emit, ctx, decision.dispatches);
      break;
    case 'RecordAttemptLost': {
      const rec = state.tasks.get(command.taskId);
      if (!rec) return reject('unknown_task', `run ${state.run.id} has no task instance ${command.taskId}`);
      if (command.attempt !== rec.attempt || rec.state !== 'running')
        return reject(
          'stale_attempt',
          `attempt ${command.attempt} of ${command.taskId} is not running (${rec.state}, attempt ${rec.attempt})`,
        );
      failAttempt(state, rec, { message: command.reason, type: 'HeartbeatLost', retryable: true }, emit, ctx);
      break;
    }
    case 'RecordConsolidationResult': {
      const refused = recordConsolidation(state, command, emit);
      if (refused) return reject(refused.code, refused.message);
      break;
    }
    case 'ClearTaskInstances': {
      const plan = planClear(state, command);
      if (!('instances' in plan)) return reject(plan.code, plan.message);
      decision.affected = plan.instances.map((rec) => rec.taskId);
      clear(state, command, plan, emit, ctx);
      break;
    }
    case 'MarkTaskInstance': {
      const rec = state.tasks.get(command.taskId);
      if (!rec) return reject('unknown_task', `run ${state.run.id} has no task instance ${command.taskId}`);
      if (rec.state === command.state) return decision;
      decision.affected = [rec.taskId];
      if (state.run.status !== 'running')
        emit({
          type: 'RunReopened',
          actor: command.actor,
          reason: `mark ${command.taskId} ${command.state}`,
          at: ctx.now,
        });
      emit({
        type: 'TaskInstanceMarked',
        taskId: rec.taskId,
        state: command.state,
        actor: command.actor,
        reason: command.reason ?? '',
        at: ctx.now,
      });
      break;
    }
    case 'CancelRun': {
      if (state.run.status !== 'running')
        return reject('run_finished', `run ${state.run.id} is already ${state.run.status}`);
      decision.affected = [];
      for (const rec of state.tasks.values()) {
        if (finishedCategory(rec.state) === null) {
          decision.affected.push(rec.taskId);
          emit({
            type: 'TaskInstanceCancelled',
            taskId: rec.taskId,
            reason: 'run cancelled',
            actor: command.actor,
            at: ctx.now,
          });
        }
      }
      emit({ type: 'RunCancelled', actor: command.actor, reason: command.reason, at: ctx.now });
      state.dirtySlots.clear();
      state.dirtyGroups.clear();
      return decision;
    }
    default: {
      const never: never = command;
      return reject('invalid_state', `unknown command ${(never as { type: string }).type}`);
    }
  }
  cascade(state, emit, ctx);
  return decision;
}

type Emit = (event: RunEvent) => void;

function recordResult(
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
function failAttempt(
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

function tick(state: RunState, emit: Emit, ctx: DecideContext): void {
  for (const taskId of [...state.retrying]) {
    const rec = state.tasks.get(taskId)!;
    if (rec.retryAt !== null && rec.retryAt <= ctx.now)
      emit({ type: 'TaskInstanceScheduled', taskId, at: ctx.now });
  }
  for (const taskId of [...state.running]) {
    const rec = state.tasks.get(taskId)!;
    const timeout = (state.index.node(rec.stagePath) as PlanTaskNode).settings.timeoutMs;
    if (timeout !== null && rec.startedAt !== null && rec.startedAt + timeout <= ctx.now) {
      failAttempt(
        state,
        rec,
        {
          message: `attempt ${rec.attempt} timed out after ${timeout} ms`,
          type: 'TimeoutError',
          retryable: true,
        },
        emit,
        ctx,
      );
    }
  }
}

/**
 * A queued instance past its stage's queuedTimeout never reached an executor (a purged stream, a lost
 * publish): dispatched again as the SAME attempt, so a first copy that turns up late is a duplicate the
 * decider refuses. (Airflow's task_queued_timeout fails it instead; re-sending costs no retry.) Anything
 * else — started meanwhile, not overdue, another attempt — is left alone: the command may be stale.
 */
function requeueLostDispatch(
  state: RunState,
  taskId: string,
  emit: Emit,
  ctx: DecideContext,
  dispatches: AttemptPayload[],
): void {
  const rec = state.tasks.get(taskId);
  if (!rec || rec.state !== 'queued' || rec.queuedAt === null) return;
  const node = state.index.node(rec.stagePath) as PlanTaskNode;
  const limit = node.settings.queuedTimeoutMs;
  if (limit === null || rec.queuedAt + limit > ctx.now) return;
  const rendered = renderAttempt(state, rec, rec.attempt);
  if (!rendered.ok) {
    failAttempt(state, rec, { message: rendered.error, type: 'InputError', retryable: false }, emit, ctx);
    return;
  }
  emit({
    type: 'TaskInstanceRequeued',
    taskId,
    attempt: rec.attempt,
    executor: node.executor,
    reason: `queued ${ctx.now - rec.queuedAt} ms without starting (queuedTimeout ${limit} ms): dispatched again`,
    at: ctx.now,
  });
  dispatches.push({ ...rendered.payload, redispatchedAt: ctx.now });
}

/** Queued instances past their stage's queuedTimeout at `now` (candidates for RequeueLostDispatches). */
export function overdueQueued(state: RunState, now: number): TaskRecord[] {
  const overdue: TaskRecord[] = [];
  for (const taskId of state.queued) {
    const rec = state.tasks.get(taskId)!;
    const limit = (state.index.node(rec.stagePath) as PlanTaskNode).settings.queuedTimeoutMs;
    if (limit !== null && rec.queuedAt !== null && rec.queuedAt + limit <= now) overdue.push(rec);
  }
  return overdue;
}

/** When the decider next needs a Tick (a retry comes due or a running attempt times out); null = never. */
export function nextWakeAt(state: RunState): number | null {
  let next: number | null = null;
  const consider = (at: number): void => {
    if (next === null || at < next) next = at;
  };
  for (const taskId of state.retrying) {
    const at = state.tasks.get(taskId)?.retryAt;
    if (at != null) consider(at);
  }
  for (const taskId of state.running) {
    const rec = state.tasks.get(taskId)!;
    const timeout = (state.index.node(rec.stagePath) as PlanTaskNode).settings.timeoutMs;
    if (timeout !== null && rec.startedAt !== null) consider(rec.startedAt + timeout);
  }
  return next;
}

function clear(
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

/** Settles everything the last events made decidable: expansions, trigger rules, groups, the run. */
function cascade(state: RunState, emit: Emit, ctx: DecideContext): void {
  for (;;) {
    if (state.run.status !== 'running') break;
    // Groups first: a reopened group must stop counting as done before the consolidation is evaluated.
    const groupPath = first(state.dirtyGroups);
    if (groupPath !== undefined) {
      state.dirtyGroups.delete(groupPath);
      const group = state.groups.get(groupPath)!;
      if (group.state === 'running' && group.unfinished === 0) {
        emit({
          type: 'GroupCompleted',
          groupPath,
          state: group.failedUnits > 0 ? 'failed' : 'success',
          at: ctx.now,
        });
      } else if (group.state !== 'running' && group.unfinished > 0) {
        emit({ type: 'GroupReopened', groupPath, at: ctx.now });
      }
      continue;
    }
    const slotKey = first(state.dirtySlots);
    if (slotKey !== undefined) {
      state.dirtySlots.delete(slotKey);
      const slot = state.slots.get(slotKey);
      if (slot) settleSlot(state, slot, emit, ctx);
      continue;
    }
    break;
  }
  state.dirtySlots.clear();
  state.dirtyGroups.clear();
  if (state.run.status !== 'running') return;
  if (state.unfinished === 0) {
    const failed = state.failedLeaves > 0;
    emit({
      type: 'RunCompleted',
      state: failed ? 'failed' : 'success',
      reason: failed ? (state.expansionError ?? 'a leaf task failed or is upstream_failed') : null,
      at: ctx.now,
    });
  } else if (
    state.active === 0 &&
    state.scheduled.size === 0 &&
    state.retrying.size === 0 &&
    !awaitingFanIn(state)
  ) {
    emit({ type: 'RunCompleted', state: 'failed', reason: 'deadlocked', at: ctx.now });
  }
}

function first<T>(set: Set<T>): T | undefined {
  for (const value of set) return value;
  return undefined;
}

function settleSlot(state: RunState, slot: SlotRecord, emit: Emit, ctx: DecideContext): void {
  const node = state.index.node(slot.stagePath);
  if (node.kind === 'group') {
    if (slot.status === 'unexpanded') expandGroups(state, node, slot, emit, ctx);
    return;
  }
  if (slot.status === 'unexpanded') {
    expandMap(state, node, slot, emit, ctx);
    return;
  }
  if (slot.pendingCount === 0) return;
  if (node.isConsolidation && state.run.consolidationVia === 'fan-in') return;
  // The consolidation's rule may carry a failure budget (`tolerate`): the same verdict the consolidator uses.
  const budgeted = node.isConsolidation ? consolidationSlotVerdict(state, node, slot) : null;
  const verdict =
    budgeted?.verdict ??
    evaluateTriggerRule(node.triggerRule, {
      success: slot.success,
      skipped: slot.skipped,
      failed: slot.failed,
      upstreamFailed: slot.upstreamFailed,
      total: slot.total,
      complete: slot.pendingSlots === 0,
    });
  if (verdict === 'wait') return;
  const pending = slot.instances.map((id) => state.tasks.get(id)!).filter((rec) => rec.state === 'pending');
  if (verdict === 'skip' || verdict === 'upstream_failed') {
    const reason = budgeted?.reason ?? `trigger rule ${node.triggerRule}`;
    for (const rec of pending) {
      const taskId = rec.taskId;
      emit(
        verdict === 'skip'
          ? { type: 'TaskInstanceSkipped', taskId, reason, at: ctx.now }
          : { type: 'TaskInstanceUpstreamFailed', taskId, reason, at: ctx.now },
      );
    }
    return;
  }
  if (node.isConsolidation && pending.length > 0) {
    const groups = (consolidationUpstream(state) as { groups: { path: string; state: string }[] }).groups;
    emit({
      type: 'ConsolidationTriggered',
      round: state.run.consolidationRound + 1,
      groups: groups.map((g) => ({ path: g.path, state: g.state === 'success' ? 'success' : 'failed' })),
      at: ctx.now,
    });
  }
  for (const rec of pending) {
    if (node.when) {
      const result = node.when.evaluate(scopeFor(state, rec.stagePath, rec.groupPath));
      if (!result.ok) {
        emit({
          type: 'TaskInstanceFailed',
          taskId: rec.taskId,
          attempt: rec.attempt,
          error: { message: `when: ${result.error}`, type: 'ExpressionError', retryable: false },
          at: ctx.now,
        });
        continue;
      }
      if (result.value !== true) {
        emit({
          type: 'TaskInstanceSkipped',
          taskId: rec.taskId,
          reason: `when: ${node.when.source} is false`,
          at: ctx.now,
        });
        continue;
      }
    }
    emit({ type: 'TaskInstanceScheduled', taskId: rec.taskId, at: ctx.now });
  }
}

/** Every upstream a list expression reads, at any enclosing level (mapSuppliers only lists same-level ones). */
function suppliersOf(source: PlanTaskNode['map']): readonly string[] {
  return source?.kind === 'cel' ? source.expression.upstreamRefs : [];
}

/** Supplier states of a mapped stage or block (SEMANTICS "Mapping"): failed wins, then skipped; all success expands. */
function supplierVerdict(
  state: RunState,
  suppliers: readonly string[],
  stagePath: string,
  groupPath: string | null,
): 'wait' | 'expand' | 'upstream_failed' | 'skip' {
  if (suppliers.length === 0) return 'expand';
  const scope = state.index.visibleUpstreamRefs(stagePath);
  let waiting = false;
  let skipped = false;
  for (const ref of scope) {
    const id = state.index.node(ref.path).id;
    if (!suppliers.includes(id)) continue;
    let inGroup = groupPath;
    for (let i = 0; i < ref.levelsUp && inGroup !== null; i++)
      inGroup = state.groups.get(inGroup)?.parentPath ?? null;
    const slot = state.slots.get(slotKeyOf(inGroup, ref.path));
    if (!slot || slot.status === 'unexpanded') {
      waiting = true;
      continue;
    }
    if (slot.status === 'unresolved') {
      if (slot.unresolvedState === 'upstream_failed') return 'upstream_failed';
      skipped = true;
      continue;
    }
    for (const id2 of slot.kind === 'task' ? slot.instances : []) {
      const category = finishedCategory(state.tasks.get(id2)!.state);
      if (category === 'failed' || category === 'upstream_failed') return 'upstream_failed';
      if (category === 'skipped') skipped = true;
      if (category === null) waiting = true;
    }
  }
  if (waiting) return 'wait';
  return skipped ? 'skip' : 'expand';
}

function expandMap(
  state: RunState,
  node: PlanTaskNode,
  slot: SlotRecord,
  emit: Emit,
  ctx: DecideContext,
): void {
  const verdict = supplierVerdict(state, suppliersOf(node.map), slot.stagePath, slot.groupPath);
  if (verdict === 'wait') return;
  const base = { stagePath: slot.stagePath, groupPath: slot.groupPath, at: ctx.now };
  if (verdict !== 'expand') {
    emit({ type: 'TaskMapExpanded', ...base, length: null });
    const taskId = slot.instances[0]!;
    if (verdict === 'skip')
      emit({ type: 'TaskInstanceSkipped', taskId, reason: 'map supplier skipped', at: ctx.now });
    else emit({ type: 'TaskInstanceUpstreamFailed', taskId, reason: 'map supplier failed', at: ctx.now });
    return;
  }
  const items = mapItemsOf(state, slot);
  const max = state.plan.spec.limits.maxMapLength;
  const problem = !items.ok
    ? `map: ${items.error}`
    : items.value.length > max
      ? `map: ${items.value.length} elements, over maxMapLength ${max}`
      : instanceCapProblem(state, Math.max(items.value.length, 1), `map: ${items.value.length} elements`);
  if (problem || !items.ok) {
    emit({ type: 'TaskMapExpanded', ...base, length: null });
    emit({
      type: 'TaskInstanceFailed',
      taskId: slot.instances[0]!,
      attempt: 0,
      error: { message: problem ?? 'map failed', type: 'MapError', retryable: false },
      at: ctx.now,
    });
    return;
  }
  // Labels are computed here and recorded in the event: replay never re-evaluates them.
  let labels: string[] | undefined;
  if (node.label && items.value.length > 0) {
    const labelled = labelsOf(node.label, scopeFor(state, slot.stagePath, slot.groupPath), items.value);
    if (!labelled.ok) {
      emit({ type: 'TaskMapExpanded', ...base, length: null });
      emit({
        type: 'TaskInstanceFailed',
        taskId: slot.instances[0]!,
        attempt: 0,
        error: { message: labelled.error, type: 'MapError', retryable: false },
        at: ctx.now,
      });
      return;
    }
    labels = labelled.labels;
  }
  emit({ type: 'TaskMapExpanded', ...base, length: items.value.length, ...(labels ? { labels } : {}) });
  if (items.value.length === 0)
    emit({
      type: 'TaskInstanceSkipped',
      taskId: slot.instances[0]!,
      reason: 'mapped over an empty list',
      at: ctx.now,
    });
}

function expandGroups(
  state: RunState,
  node: PlanBlockNode,
  slot: SlotRecord,
  emit: Emit,
  ctx: DecideContext,
): void {
  const verdict = supplierVerdict(state, suppliersOf(node.over), slot.stagePath, slot.groupPath);
  if (verdict === 'wait') return;
  const base = { blockPath: slot.stagePath, parentGroup: slot.groupPath, at: ctx.now };
  if (verdict !== 'expand') {
    emit({
      type: 'GroupsExpanded',
      ...base,
      groups: [],
      unresolved: verdict === 'skip' ? 'skipped' : 'upstream_failed',
      error: null,
    });
    return;
  }
  const listed = listGroups(state, node, slot);
  if (!listed.ok) {
    emit({ type: 'GroupsExpanded', ...base, groups: [], unresolved: 'upstream_failed', error: listed.error });
    return;
  }
  emit({ type: 'GroupsExpanded', ...base, groups: listed.groups, unresolved: null, error: null });
}

function listGroups(
  state: RunState,
  node: PlanBlockNode,
  slot: SlotRecord,
):
  | { ok: true; groups: { path: string; key: string; value: Json; label?: string }[] }
  | { ok: false; error: string } {
  const items = mapItemsOf(state, slot);
  if (!items.ok) return { ok: false, error: `over: ${items.error}` };
  const max = state.plan.spec.limits.maxMapLength;
  if (items.value.length > max)
    return { ok: false, error: `over: ${items.value.length} groups, over maxMapLength ${max}` };
  const perGroup = instancesPerGroup(state, slot.stagePath);
  const capped = instanceCapProblem(
    state,
    items.value.length * perGroup,
    `over: ${items.value.length} groups of ${perGroup} task instances each`,
  );
  if (capped) return { ok: false, error: capped };
  const groups: { path: string; key: string; value: Json; label?: string }[] = [];
  const seen = new Set<string>();
  const parent = groupBindingOf(state, slot.groupPath);
  for (const [i, item] of items.value.entries()) {
    let key: string | null;
    if (node.key) {
      const result = node.key.evaluate({
        ...scopeFor(state, slot.stagePath, slot.groupPath),
        group: parent,
        item,
      });
      if (!result.ok) return { ok: false, error: `key of element ${i}: ${result.error}` };
      key = groupKeyOf(result.value);
    } else key = groupKeyOf(item);
    if (key === null)
      return {
        ok: false,
        error: `element ${i} is an object or list: the block needs key: to name its groups`,
      };
    const invalid = invalidGroupKeyReason(key);
    if (invalid) return { ok: false, error: `group key "${key}" of element ${i} ${invalid}` };
    if (seen.has(key)) return { ok: false, error: `duplicate group key "${key}" (element ${i})` };
    seen.add(key);
    groups.push({ path: groupPathOf(slot.groupPath, node.id, key), key, value: item });
  }
  if (node.label && groups.length > 0) {
    const scope = { ...scopeFor(state, slot.stagePath, slot.groupPath), group: parent };
    const labelled = labelsOf(node.label, scope, items.value);
    if (!labelled.ok) return { ok: false, error: labelled.error };
    labelled.labels.forEach((label, i) => (groups[i]!.label = label));
  }
  return { ok: true, groups };
}

/** In fan-in mode a pending consolidation with every group terminal is waiting for the consolidator, not stuck. */
function awaitingFanIn(state: RunState): boolean {
  if (state.run.consolidationVia !== 'fan-in') return false;
  const rec = state.tasks.get(state.index.consolidationPath ?? '');
  return rec !== undefined && rec.state === 'pending' && allGroupsTerminal(state);
}

function allGroupsTerminal(state: RunState): boolean {
  for (const block of state.index.topLevelBlocks) {
    const slot = state.slots.get(slotKeyOf(null, block));
    if (!slot || slot.status === 'unexpanded') return false;
    for (const path of slot.groups) if (state.groups.get(path)!.state === 'running') return false;
  }
  return true;
}

/** Records what the consolidator did for a round the fan-in triggered; a stale round is refused. */
function recordConsolidation(
  state: RunState,
  command: Extract<RunCommand, { type: 'RecordConsolidationResult' }>,
  emit: Emit,
): Rejection | null {
  if (state.run.consolidationVia !== 'fan-in')
    return { code: 'invalid_state', message: `run ${state.run.id} consolidates in the planner` };
  const rec = state.tasks.get(state.index.consolidationPath ?? '');
  if (!rec) return { code: 'unknown_task', message: `run ${state.run.id} has no consolidation` };
  if (command.round <= state.run.consolidationRound)
    return { code: 'duplicate_result', message: `consolidation round ${command.round} was already recorded` };
  // Rounds only grow; a newer round is current when the run still waits for its consolidation.
  if (rec.state !== 'pending' || !allGroupsTerminal(state)) {
    return {
      code: 'stale_attempt',
      message: `consolidation round ${command.round} no longer matches the run (a group reopened)`,
    };
  }
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
