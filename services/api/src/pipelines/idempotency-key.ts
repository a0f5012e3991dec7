import type { Kysely } from 'kysely';
import {
  canonicalJson,
  readAcceptedTriggerRequest,
  readRunTrigger,
  type Database,
} from '@tributary/event-store';
import { ApiError } from '../http/api-error.js';

/** What an idempotency key already names: the run and the trigger it was first given with. */
export interface KeyedTrigger {
  runId: string;
  pipelineId: string;
  version: number;
  params: unknown;
  /** Where the first trigger is known from: the api's receipt or the planner's run. */
  source: 'receipt' | 'run';
}

/**
 * The trigger a run id (derived from pipeline + idempotency key) was first accepted with: the api's
 * receipt, else the planner's run (a trigger published on NATS directly has no receipt). A run the
 * planner rejected without params (unknown pipeline, unreadable params) names nothing to compare.
 */
export async function keyedTrigger(db: Kysely<Database>, runId: string): Promise<KeyedTrigger | null> {
  const receipt = await readAcceptedTriggerRequest(db, runId);
  if (receipt) {
    return {
      runId,
      pipelineId: receipt.pipeline_id,
      version: receipt.pipeline_version,
      params: receipt.params,
      source: 'receipt',
    };
  }
  const run = await readRunTrigger(db, runId);
  if (!run || run.state === 'rejected') return null;
  return {
    runId,
    pipelineId: run.pipeline_id,
    version: run.pipeline_version,
    params: run.params,
    source: 'run',
  };
}

/**
 * 409 when a repeated idempotency key comes with other params (or asks for another pipeline version)
 * than the run it already names: silently answering with the old run would hide that the new request
 * was never carried out. Params compare as JSON values (key order does not matter, as in jsonb).
 */
export function refuseKeyReuse(
  key: string,
  first: KeyedTrigger,
  request: { params: unknown; version: number | undefined },
): void {
  const sameParams = canonicalJson(first.params) === canonicalJson(request.params);
  const sameVersion = request.version === undefined || request.version === first.version;
  if (sameParams && sameVersion) return;
  const what = sameParams ? `version ${request.version}` : 'different params';
  throw new ApiError(
    409,
    'idempotency_conflict',
    `idempotency key "${key}" already names run ${first.runId} (pipeline ${first.pipelineId} version ${first.version}), ` +
      `triggered with ${sameParams ? `version ${first.version}` : 'other params'}; this request asks for ${what}: ` +
      'repeat the key only with the same params, or use a new key',
    undefined,
    { runId: first.runId },
  );
}
