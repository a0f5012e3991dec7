import type { RunCommand } from './run-commands.js';
import type { RunState } from './run-state.js';
import { secretPointer, unsealedSecretPaths } from '../spec/secret-params.js';
import { cascade } from './cascade.js';
import { refuse, type DecideStep, type StepOutcome } from './decide-step.js';

/** StartRun: validates the params (and that secrets came sealed), accepts or rejects the trigger, plans the run. */
export function startRun(
  state: RunState,
  command: Extract<RunCommand, { type: 'StartRun' }>,
  { emit, ctx }: DecideStep,
): StepOutcome {
  if (state.run.status !== 'new')
    return refuse('run_already_started', `run ${command.runId} was already started`);
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
    return 'done';
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
    return 'done';
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
  return 'done';
}
