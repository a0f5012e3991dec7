import type { PlanTaskNode } from '../spec/compiled-plan.js';
import type { DecideContext, Rejection, RunCommand } from './run-commands.js';
import type { RunEvent } from './run-events.js';
import type { RunState } from './run-state.js';
import { evolve } from './run-evolve.js';
import { finishedCategory } from './run-graph.js';
import { renderAttempt, type AttemptPayload } from './attempt-payload.js';
import { planClear } from './clear-plan.js';
import { secretPointer, unsealedSecretPaths } from '../spec/secret-params.js';
import { failAttempt, recordResult } from './attempt-outcome.js';
import { cascade } from './cascade.js';
import { recordConsolidation } from './consolidation-readiness.js';
import { clear } from './decide-clear.js';
import { requeueLostDispatch, tick } from './decide-timers.js';

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

export { overdueQueued, nextWakeAt } from './decide-timers.js';
export { consolidationVerdict } from './consolidation-readiness.js';
