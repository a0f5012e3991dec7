import type { JsMsg } from '@nats-io/jetstream';
import {
  evaluateUpstreamMessage,
  sanitizeText,
  type CompiledPlan,
  type CompiledUpstreamTrigger,
  upstreamActor,
} from '@tributary/domain';
import {
  encodeTriggerRun,
  jsonToBytes,
  RUN_ID_HEADER,
  timestampFromEpochMs,
  TRACEPARENT_HEADER,
} from '@tributary/events';
import { publish, PublishError } from '@tributary/messaging';
import { runIdForTrigger, uuidFromKey, type Infrastructure } from '@tributary/runtime';
import type { TriggerHandler } from './trigger.handler.js';

/** One `on:` entry of one pipeline version, bound to the stream and durable consumer it reads. */
export interface UpstreamBinding {
  readonly pipelineId: string;
  readonly version: number;
  readonly plan: CompiledPlan;
  readonly trigger: CompiledUpstreamTrigger;
  readonly stream: string;
  readonly durable: string;
}

/** What became of one upstream message. */
export type UpstreamOutcome =
  | { kind: 'triggered'; runId: string; idempotencyKey: string; duplicate: boolean }
  | { kind: 'filtered' }
  | { kind: 'rejected'; runId: string; reason: string };

/** How much of a rejected payload the rejection notice carries. */
const NOTICE_PAYLOAD_CHARS = 64 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns one upstream message into a trigger through the same path as the api: a `TriggerRun` on
 * TRIGGERS with `Nats-Msg-Id` = `trigger:<runId>`, the run id derived from (pipeline, idempotency key).
 * Identical events therefore collapse twice: JetStream drops the repeats within the TRIGGERS dedupe
 * window, and the planner's run id (run_streams) refuses any that come later. The upstream message is
 * acked only after TRIGGERS stored the trigger, so a planner crash in between redelivers it and the
 * same key is computed again.
 *
 * A rejected event (payload not JSON, CEL error, params the schema refuses) is recorded as
 * `TriggerRejected` under a run id derived from the message's stream and sequence (a redelivery records
 * nothing new) and announced on `<prefix>.trigger.rejected.<pipeline>`.
 */
export class UpstreamEventHandler {
  constructor(
    private readonly infra: Infrastructure,
    private readonly triggers: TriggerHandler,
  ) {}

  async handle(binding: UpstreamBinding, msg: JsMsg): Promise<UpstreamOutcome> {
    const { pipelineId, stream } = binding;
    const sequence = msg.info.streamSequence;
    const actor = upstreamActor(msg.subject); // from the subject it arrived on, never from the event
    const headers: Record<string, string> = {};
    for (const [key, values] of msg.headers ?? []) headers[key] = values[0] ?? '';
    let text: string | null;
    try {
      text = utf8.decode(msg.data);
    } catch {
      text = null;
    }
    const decision = evaluateUpstreamMessage(binding.trigger, { subject: msg.subject, text, headers });
    if (decision.kind === 'filtered') return { kind: 'filtered' };
    if (decision.kind === 'rejected') {
      return this.reject(binding, msg, text, { path: decision.path, message: decision.message, key: null });
    }
    const idempotencyKey = decision.idempotencyKey ?? `${stream}:${sequence}`;
    const checked = binding.plan.validateParams(decision.params);
    if (!checked.ok) {
      const issues = checked.issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`);
      return this.reject(binding, msg, text, {
        path: checked.issues[0]?.path ?? '/params',
        message: `params do not match the params schema of ${pipelineId} version ${binding.version}: ${issues.join('; ')}`,
        key: idempotencyKey,
      });
    }
    const runId = runIdForTrigger({ pipelineId, idempotencyKey });
    const traceparent = headers[TRACEPARENT_HEADER];
    let result: Awaited<ReturnType<typeof publish>>;
    try {
      result = await publish(
        this.infra.js,
        this.infra.subjects.trigger(pipelineId),
        encodeTriggerRun({
          runId,
          pipelineId,
          pipelineVersion: binding.version,
          paramsJson: jsonToBytes(checked.params),
          idempotencyKey,
          actor,
          requestedAt: timestampFromEpochMs(Math.floor(msg.info.timestampNanos / 1e6)),
        }),
        {
          msgId: `trigger:${runId}`,
          headers: { [RUN_ID_HEADER]: runId, ...(traceparent ? { [TRACEPARENT_HEADER]: traceparent } : {}) },
        },
      );
    } catch (error) {
      // The server refuses this trigger itself (params beyond max_payload): no redelivery can help.
      if (!(error instanceof PublishError) || error.retryable) throw error;
      return this.reject(binding, msg, text, {
        path: '/params',
        message: `the trigger cannot be published: ${error.message}`,
        key: idempotencyKey,
      });
    }
    return { kind: 'triggered', runId, idempotencyKey, duplicate: result.duplicate };
  }

  private async reject(
    binding: UpstreamBinding,
    msg: JsMsg,
    text: string | null,
    issue: { path: string; message: string; key: string | null },
  ): Promise<UpstreamOutcome> {
    const { pipelineId, stream, version } = binding;
    const sequence = msg.info.streamSequence;
    const actor = upstreamActor(msg.subject); // from the subject it arrived on, never from the event
    const runId = uuidFromKey(`upstream-rejected\u0000${pipelineId}\u0000${stream}\u0000${sequence}`);
    const reason = `event on ${msg.subject} (stream ${stream}, sequence ${sequence}): ${issue.message}`;
    await this.triggers.recordRejection(
      runId,
      { pipelineId, pipelineVersion: version, idempotencyKey: issue.key ?? '', actor },
      { path: issue.path, message: reason },
      null,
    );
    // After the record, before the ack: a crash in between announces it again (at least once).
    const notice = {
      runId,
      pipeline: pipelineId,
      version,
      on: binding.trigger.index,
      subject: msg.subject,
      stream,
      sequence,
      actor,
      idempotencyKey: issue.key,
      path: issue.path,
      reason,
      payload: text === null ? null : sanitizeText(text.slice(0, NOTICE_PAYLOAD_CHARS)),
      payloadTruncated: text !== null && text.length > NOTICE_PAYLOAD_CHARS,
      at: new Date().toISOString(),
    };
    this.infra.nc.publish(this.infra.subjects.triggerRejected(pipelineId), JSON.stringify(notice));
    return { kind: 'rejected', runId, reason };
  }
}
