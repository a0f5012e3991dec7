import type { Kysely } from 'kysely';
import { compilePlan, evolve, initialRunState, type RunEvent, type RunState } from '@tributary/domain';
import type { Database } from '../db/database.js';
import { getPipeline } from '../pipelines/pipeline-repository.js';
import type { StoredEvent } from '../events/stored-event.js';

/**
 * The folded state of a run's events (in run_seq order) with the domain's `evolve`, from the plan of the
 * pipeline version its first event pins. A rejected trigger of a pipeline that is not stored folds to a
 * bare `rejected` run (`planless: true`): there is no plan to fold with.
 */
export async function foldRun(
  db: Kysely<Database>,
  events: readonly StoredEvent[],
): Promise<{ state: RunState; planless: boolean }> {
  const first = events[0]!.payload as RunEvent;
  let pipelineId: string;
  let version: number | undefined;
  if (first.type === 'TriggerAccepted') {
    pipelineId = first.pipelineId;
    version = first.version;
  } else if (first.type === 'TriggerRejected') {
    pipelineId = first.pipelineId;
  } else {
    throw new Error(
      `run ${events[0]!.runId}: the log starts with ${first.type}, not with TriggerAccepted or TriggerRejected`,
    );
  }
  const pipeline = await getPipeline(db, pipelineId, version);
  if (!pipeline) {
    if (first.type === 'TriggerRejected') return { state: rejectedState(first), planless: true };
    throw new Error(`pipeline ${pipelineId} version ${version} is not stored: cannot rebuild its plan`);
  }
  const state = initialRunState(compilePlan(pipeline.spec));
  for (const event of events) evolve(state, event.payload as RunEvent);
  return { state, planless: false };
}

/** A rejected trigger of an unknown pipeline: nothing but the run's state. */
function rejectedState(event: Extract<RunEvent, { type: 'TriggerRejected' }>): RunState {
  return {
    run: {
      id: event.runId,
      pipelineId: event.pipelineId,
      version: 0,
      status: 'rejected',
      params: {},
      idempotencyKey: event.idempotencyKey,
      createdAt: event.at,
      admittedAt: null,
      finishedAt: event.at,
      reason: event.issues[0]?.message ?? 'trigger rejected',
    },
    groups: new Map(),
    tasks: new Map(),
  } as unknown as RunState;
}
