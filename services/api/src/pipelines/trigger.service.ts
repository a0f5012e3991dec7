import { Inject, Injectable } from '@nestjs/common';
import { encodeTriggerRun, jsonToBytes, RUN_ID_HEADER, timestampFromEpochMs } from '@tributary/events';
import { publish, PublishError } from '@tributary/messaging';
import {
  INFRASTRUCTURE,
  describeBytes,
  openSecrets,
  runIdForTrigger,
  sealSecretParams,
  SecretOpenError,
  SecretsKeyMissingError,
  type Infrastructure,
  type SecretsKeyring,
} from '@tributary/runtime';
import { findSecretMarker, type Json } from '@tributary/domain';
import { deleteAcceptedTrigger, insertAcceptedTrigger } from '@tributary/event-store';
import { keyedTrigger, refuseKeyReuse, type KeyedTrigger } from './idempotency-key.js';
import { paramsLimit } from './params-limit.js';
import type { Principal } from '../auth/principal.js';
import { ApiError, notFound } from '../http/api-error.js';
import { BodyFields } from '../http/fields.js';
import { SECRETS_KEYRING } from '../tokens.js';
import { PlanCache } from '@tributary/runtime';
import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { runSpanId, runTraceId, withSpan } from '@tributary/telemetry';

/**
 * Trigger ingestion: checks the pipeline and the params with the same plan the planner uses,
 * then publishes a `TriggerRun` on `trigger.<pipeline>` with a run id derived from the
 * idempotency key and `Nats-Msg-Id` = `trigger:<runId>`. Params the schema refuses are answered
 * 422 and still published, so the planner records the refusal (`TriggerRejected`, invariant 6).
 */
@Injectable()
export class TriggerService {
  constructor(
    @Inject(INFRASTRUCTURE) private readonly infra: Infrastructure,
    @Inject(PlanCache) private readonly plans: PlanCache,
    @Inject(SECRETS_KEYRING) private readonly keyring: SecretsKeyring | null,
  ) {}

  async trigger(pipelineId: string, body: unknown, caller: Principal): Promise<string> {
    const fields = new BodyFields(body);
    const clearParams = fields.any('params') ?? {};
    const idempotencyKey = fields.string('idempotencyKey', { maxLength: 256 });
    const version = fields.integer('version', { min: 1, max: 2 ** 31 - 1 });
    fields.finish();

    const found = await this.plans.get(pipelineId, version);
    if (!found) {
      throw notFound(
        `pipeline "${pipelineId}"${version !== undefined ? ` version ${version}` : ''} does not exist`,
      );
    }
    const marker = findSecretMarker(clearParams, '/params');
    if (marker !== null)
      throw new ApiError(
        400,
        'invalid_request',
        `${marker}: an object whose only key is "$secret" is reserved for the engine's encrypted values; send the secret itself (mark the param secret in the params schema)`,
        [{ path: marker, message: 'reserved "$secret" marker' }],
      );
    const runId = runIdForTrigger({ pipelineId, idempotencyKey: idempotencyKey ?? null });
    // Validated in clear; from here on, secret params exist only encrypted (published, stored, answered).
    const checked = found.plan.validateParams(clearParams);
    const params = this.sealed(clearParams as Json, found.plan.secretParams, pipelineId);
    const paramsJson = jsonToBytes(params);
    const limit = paramsLimit(this.infra.nc.info?.max_payload ?? 1024 * 1024);
    if (paramsJson.length > limit.bytes) {
      throw new ApiError(
        413,
        'payload_too_large',
        `params are ${describeBytes(paramsJson.length)}; at most ${describeBytes(limit.bytes)} are accepted (${limit.why})`,
      );
    }
    const payload = encodeTriggerRun({
      runId,
      pipelineId,
      pipelineVersion: found.pipeline.version,
      paramsJson,
      idempotencyKey: idempotencyKey ?? '',
      actor: caller.name,
      requestedAt: timestampFromEpochMs(Date.now()),
    });
    if (idempotencyKey) {
      const first = await keyedTrigger(this.infra.db, runId);
      if (first) refuseKeyReuse(idempotencyKey, this.inClear(first), { params: clearParams, version });
    }
    // The receipt goes first: once the 202 is out, GET /runs/:id must answer (queued) at once.
    const inserted = await insertAcceptedTrigger(this.infra.db, {
      runId,
      pipelineId,
      pipelineVersion: found.pipeline.version,
      params,
      actor: caller.name,
    });
    if (!inserted && idempotencyKey) {
      // A concurrent request with the same key stored its receipt first: same params, or 409.
      const first = await keyedTrigger(this.infra.db, runId);
      if (first) refuseKeyReuse(idempotencyKey, this.inClear(first), { params: clearParams, version });
    }
    try {
      await withSpan(
        `trigger ${pipelineId}`,
        { parent: runContext(runId), links: requestLink(), attributes: { 'tributary.run.id': runId } },
        () =>
          publish(this.infra.js, this.infra.subjects.trigger(pipelineId), payload, {
            msgId: `trigger:${runId}`,
            headers: { [RUN_ID_HEADER]: runId },
          }),
      );
    } catch (error) {
      // Not accepted after all (the client gets an error, not 202): withdraw the receipt (ours only).
      if (inserted) await deleteAcceptedTrigger(this.infra.db, runId);
      if (error instanceof PublishError && !error.retryable) {
        // The server refuses this message itself (too large…): trying again cannot help.
        throw new ApiError(413, 'payload_too_large', `the trigger was refused by NATS: ${error.message}`);
      }
      if (error instanceof PublishError) {
        throw new ApiError(
          503,
          'unavailable',
          `the trigger could not be published, try again: ${error.message}`,
        );
      }
      throw error;
    }
    if (!checked.ok) {
      throw new ApiError(
        422,
        'invalid_params',
        `params do not match the params schema of ${pipelineId} version ${found.pipeline.version}: ${checked.issues
          .slice(0, 3)
          .map((i) => `${i.path}: ${i.message}`)
          .join('; ')}; the rejection is recorded as run ${runId}`,
        checked.issues,
        { runId },
      );
    }
    return runId;
  }

  /**
   * The first trigger's params with its secrets decrypted, so a repeated key compares clear values (each
   * encryption is randomised: envelopes of the same secret never match). One that no longer decrypts (its
   * key was retired) is compared as stored, so it differs: 409, never a silent reuse.
   */
  private inClear(first: KeyedTrigger): KeyedTrigger {
    try {
      return { ...first, params: openSecrets(first.params, this.keyring).value };
    } catch (error) {
      if (error instanceof SecretOpenError) return first;
      throw error;
    }
  }

  private sealed(params: Json, paths: Parameters<typeof sealSecretParams>[1], pipelineId: string): Json {
    try {
      return sealSecretParams(params, paths, this.keyring);
    } catch (error) {
      if (error instanceof SecretsKeyMissingError)
        throw new ApiError(503, 'secrets_key_missing', `pipeline "${pipelineId}": ${error.message}`);
      throw error;
    }
  }
}

/**
 * The run's trace: its own, derived from the run id, under the run's root span (emitted by the planner
 * when the run ends). The HTTP request that asked for it stays in the caller's trace, linked.
 */
function runContext(runId: string) {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: runTraceId(runId),
    spanId: runSpanId(runId),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
}

function requestLink() {
  const request = trace.getSpanContext(context.active());
  return request && trace.isSpanContextValid(request) ? [{ context: request }] : [];
}
