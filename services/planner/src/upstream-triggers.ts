import { createHash } from 'node:crypto';
import { AckPolicy, DeliverPolicy, JetStreamApiError, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { compileUpstreamTriggers } from '@tributary/domain';
import { latestPipelineVersions } from '@tributary/event-store';
import { JetStreamConsumerRunner, Outcome, redeliveryDelayMs } from '@tributary/messaging';
import {
  captureUpstreamSubjects,
  type CachedPlan,
  type DeadLetterRecorder,
  type Infrastructure,
  type PlanCache,
} from '@tributary/runtime';
import type { UpstreamBinding, UpstreamEventHandler } from './upstream-event.handler.js';

/** How often the planner looks for newly applied pipeline versions (a cheap `max(version)` query). */
export const UPSTREAM_RECONCILE_EVERY_MS = 1_000;
/** Upstream messages handled at once per consumer. */
const CONCURRENCY = 16;

/** Where the service's log lines go. */
export interface UpstreamLog {
  log(line: string): void;
  warn(line: string): void;
}

/**
 * Keeps the planner's durable consumers of upstream subjects in step with the applied pipelines
 * (issue #9 item 1): every second it looks for pipelines whose latest version changed and, for each
 * `on:` entry, makes sure the subject is captured — by the stream the entry names, else by an existing
 * stream that already captures it, else by `<PREFIX>_UPSTREAM`, whose subject list grows to the union
 * of such subjects — and that a durable consumer `upstream-<pipeline>-<hash of stream and subject>`
 * with that ONE filter subject (NATS 2.9) exists and is being consumed. A new consumer starts at the
 * time the version was applied, so history on a shared stream never starts runs. Replicas share the
 * consumers. Entries a new version drops have their consumers deleted.
 */
export class UpstreamTriggers {
  private readonly bindings = new Map<string, UpstreamBinding>();
  private readonly runners = new Map<string, JetStreamConsumerRunner<Uint8Array>>();
  private readonly reconciled = new Map<string, number>();
  private readonly reported = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly infra: Infrastructure,
    private readonly plans: PlanCache,
    private readonly handler: UpstreamEventHandler,
    private readonly deadLetters: DeadLetterRecorder,
    private readonly logger: UpstreamLog,
    private readonly everyMs: number = UPSTREAM_RECONCILE_EVERY_MS,
  ) {}

  /** The consumers bound right now (durable → binding), for tests and logs. */
  get bound(): ReadonlyMap<string, UpstreamBinding> {
    return this.bindings;
  }

  async start(): Promise<void> {
    await this.reconcile();
    this.timer = setInterval(() => {
      this.pass ??= this.reconcile()
        .catch((e: unknown) =>
          this.logger.warn(`upstream triggers: reconciling failed, retried: ${String(e)}`),
        )
        .finally(() => (this.pass = null));
    }, this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.pass;
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    this.runners.clear();
  }

  /** Brings every pipeline whose latest version this planner has not reconciled yet into step. */
  async reconcile(): Promise<void> {
    const latest = await latestPipelineVersions(this.infra.db);
    for (const row of latest) {
      if (this.stopped) return;
      const version = row.version;
      if (this.reconciled.get(row.pipelineId) === version) continue;
      try {
        const found = await this.plans.get(row.pipelineId, version);
        if (found) await this.reconcilePipeline(found);
        this.reconciled.set(row.pipelineId, version);
        this.reported.delete(row.pipelineId);
      } catch (error) {
        // Retried every pass; said once per distinct problem.
        const line = `upstream triggers of ${row.pipelineId} version ${version} not consumed, retried: ${error instanceof Error ? error.message : String(error)}`;
        if (this.reported.get(row.pipelineId) !== line) this.logger.warn(line);
        this.reported.set(row.pipelineId, line);
      }
    }
  }

  private async reconcilePipeline(found: CachedPlan): Promise<void> {
    const pipelineId = found.pipeline.pipelineId;
    const specs = found.pipeline.spec.on ?? [];
    const compiled = compileUpstreamTriggers(specs);
    const { jsm, config } = this.infra;
    const streams = await captureUpstreamSubjects(jsm, config.subjectPrefix, specs);
    const wanted: UpstreamBinding[] = [];
    for (const [i, trigger] of compiled.entries()) {
      const stream = streams[i]!;
      wanted.push({
        pipelineId,
        version: found.version,
        plan: found.plan,
        trigger,
        stream,
        durable: durableName(pipelineId, stream, trigger.spec.subject),
      });
    }
    for (const binding of wanted) {
      await this.ensureConsumer(binding, found.pipeline.createdAt);
      this.bindings.set(binding.durable, binding);
      if (!this.runners.has(binding.durable)) await this.startRunner(binding);
    }
    const keep = new Set(wanted.map((b) => b.durable));
    for (const [durable, binding] of [...this.bindings]) {
      if (binding.pipelineId !== pipelineId || keep.has(durable)) continue;
      await this.runners.get(durable)?.stop();
      this.runners.delete(durable);
      this.bindings.delete(durable);
      await this.infra.jsm.consumers.delete(binding.stream, durable).catch((e: unknown) => {
        if (!(e instanceof JetStreamApiError && e.code === 10014)) throw e;
      });
      this.logger.log(
        `upstream trigger ${durable} of ${pipelineId} removed (version ${found.version} drops it)`,
      );
    }
  }

  private async ensureConsumer(binding: UpstreamBinding, appliedAt: Date): Promise<void> {
    const { jsm } = this.infra;
    const exists = await jsm.consumers.info(binding.stream, binding.durable).then(
      () => true,
      (e: unknown) => {
        if (e instanceof JetStreamApiError && e.code === 10014) return false;
        throw e;
      },
    );
    if (exists) return;
    await jsm.consumers.add(binding.stream, {
      durable_name: binding.durable,
      filter_subject: binding.trigger.spec.subject,
      ack_policy: AckPolicy.Explicit,
      // From the moment the version was applied: older messages on a shared stream start nothing.
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: appliedAt.toISOString(),
      ack_wait: nanos(30_000),
      max_deliver: 20,
      max_ack_pending: 1_000,
      description: `tributary planner: ${binding.trigger.spec.subject} → runs of ${binding.pipelineId}`,
    });
    this.logger.log(
      `upstream trigger ${binding.durable}: ${binding.trigger.spec.subject} on stream ${binding.stream} → runs of ${binding.pipelineId}`,
    );
  }

  private async startRunner(binding: UpstreamBinding): Promise<void> {
    const { durable } = binding;
    const runner = new JetStreamConsumerRunner<Uint8Array>({
      nc: this.infra.nc,
      stream: binding.stream,
      durable,
      concurrency: CONCURRENCY,
      handle: async (delivery) => {
        // The latest version's entry: a re-applied pipeline changes params, key and when in place.
        const current = this.bindings.get(durable);
        if (!current) return Outcome.nak(1_000);
        try {
          return this.settle(current, delivery.msg, await this.handler.handle(current, delivery.msg));
        } catch (error) {
          this.logger.warn(
            `upstream event ${delivery.subject} #${delivery.streamSequence} for ${current.pipelineId} not handled, retried: ${String(error)}`,
          );
          return Outcome.nak(redeliveryDelayMs(delivery.deliveryCount));
        }
      },
      onPoison: this.deadLetters.onPoison,
      onDeadLetter: this.deadLetters.onDeadLetter,
      onError: (error) => this.logger.warn(`upstream consumer ${durable}: ${String(error)}`),
    });
    await runner.start();
    this.runners.set(durable, runner);
  }

  private settle(
    binding: UpstreamBinding,
    msg: JsMsg,
    outcome: Awaited<ReturnType<UpstreamEventHandler['handle']>>,
  ): Outcome {
    const what = `upstream event ${msg.subject} #${msg.info.streamSequence}`;
    if (outcome.kind === 'triggered') {
      this.logger.log(
        `${what} → run ${outcome.runId} of ${binding.pipelineId} (key ${outcome.idempotencyKey}${outcome.duplicate ? ', duplicate' : ''})`,
      );
    } else if (outcome.kind === 'rejected') {
      this.logger.warn(`${what} rejected for ${binding.pipelineId}: ${outcome.reason}`);
    }
    return Outcome.ack();
  }
}

/** `upstream-<pipeline>-<12 hex of sha256(stream, subject)>`: stable across versions and replicas. */
export function durableName(pipelineId: string, stream: string, subject: string): string {
  const hash = createHash('sha256').update(`${stream}\u0000${subject}`).digest('hex').slice(0, 12);
  return `upstream-${pipelineId}-${hash}`;
}
