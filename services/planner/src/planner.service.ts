import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import {
  decodeResultBatch,
  decodeTriggerRun,
  TRACEPARENT_HEADER,
  type ResultBatch,
  type TriggerRun,
} from '@tributary/events';
import { ensureConsumer, JetStreamConsumerRunner, Outcome, redeliveryDelayMs } from '@tributary/messaging';
import { runningRunIds } from '@tributary/event-store';
import {
  INFRASTRUCTURE,
  deadLetterRecorder,
  decodeOperatorCommand,
  encodeOperatorReply,
  OutboxRelay,
  PlanCache,
  type Infrastructure,
} from '@tributary/runtime';
import { RunCache, runCacheBoundsFrom } from './run-cache.js';
import { DispatchScheduler } from './dispatch-scheduler.js';
import { DecisionEngine } from './decision-engine.js';
import { TriggerHandler } from './trigger.handler.js';
import { ExecutorPresenceCheck } from './executor-presence.js';
import { ResultsHandler } from './results.handler.js';
import { ControlHandler } from './control.handler.js';
import { Ticker } from './ticker.js';
import { CronScheduler } from './cron-scheduler.js';
import { AttemptWatch } from './attempt-watch.js';
import { AttemptWatchdog } from './attempt-watchdog.js';
import { plannerConsumers } from './planner.consumers.js';
import { UpstreamEventHandler } from './upstream-event.handler.js';
import { UpstreamTriggers } from './upstream-triggers.js';

/** Triggers per transaction: runs triggered at once start in one commit. */
const TRIGGER_BATCH = 128;
/** Results per transaction: the planner's throughput lever (STACK.md: batch appends). */
const RESULT_BATCH = 256;
/** Runs folded per adoption transaction. */
const ADOPT_CHUNK = 200;
/** How often cron schedules are checked: second-level crons tick on time within this. */
const CRON_CHECK_EVERY_MS = 500;

/** Wires the planner: consumers → handlers → the decision engine; outbox relay; ticker; control replies. */
@Injectable()
export class PlannerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('planner');
  readonly runs = new RunCache(runCacheBoundsFrom());
  private readonly relay: OutboxRelay;
  private readonly engine: DecisionEngine;
  private readonly triggers: TriggerHandler;
  private readonly results: ResultsHandler;
  private readonly control: ControlHandler;
  private readonly ticker: Ticker;
  private readonly watchdog: AttemptWatchdog;
  private readonly plans: PlanCache;
  private upstream: UpstreamTriggers | null = null;
  private readonly cron: CronScheduler;
  private runners: JetStreamConsumerRunner<unknown>[] = [];
  private controlSub: Subscription | null = null;
  private adoptTimer: NodeJS.Timeout | null = null;

  constructor(@Inject(INFRASTRUCTURE) private readonly infra: Infrastructure) {
    const plans = new PlanCache(infra.db);
    this.plans = plans;
    const scheduler = new DispatchScheduler();
    this.relay = new OutboxRelay(infra.db, infra.js, {
      retainPublishedMs: infra.config.outboxRetentionMs,
      onError: (e) => this.logger.warn(`outbox publish failed, the sweep retries: ${String(e)}`),
    });
    const presence = new ExecutorPresenceCheck(infra.jsm, infra.streams.TASKS.name, (message) =>
      this.logger.warn(message),
    );
    this.engine = new DecisionEngine(
      infra.db,
      infra.subjects,
      this.runs,
      plans,
      scheduler,
      this.relay,
      Math.random,
      presence,
    );
    this.triggers = new TriggerHandler(infra.db, plans, this.engine);
    this.results = new ResultsHandler(this.engine);
    this.control = new ControlHandler(this.engine);
    this.ticker = new Ticker(this.runs, this.engine, scheduler, 100, (e) =>
      this.logger.error(`tick failed: ${String(e)}`),
    );
    const watch = new AttemptWatch(
      infra.nc,
      infra.jsm,
      infra.subjects,
      infra.streams.TASKS.name,
      infra.config.heartbeatTimeoutMs,
    );
    this.cron = new CronScheduler(
      infra.db,
      infra,
      CRON_CHECK_EVERY_MS,
      (e) => this.logger.warn(`cron check failed, retried: ${String(e)}`),
      (line) => this.logger.log(line),
    );
    this.watchdog = new AttemptWatchdog(this.runs, this.engine, watch, (e) =>
      this.logger.warn(`recovering stuck attempts failed, retried in 2 s: ${String(e)}`),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const { infra } = this;
    await this.adoptRunningRuns();
    const consumers = plannerConsumers(infra);
    const deadLetters = deadLetterRecorder(infra.db, 'planner', (line) => this.logger.error(line));
    for (const def of Object.values(consumers)) await ensureConsumer(infra.jsm, def.stream, def);

    const triggerRunner = new JetStreamConsumerRunner<TriggerRun>({
      nc: infra.nc,
      stream: consumers.triggers.stream,
      durable: consumers.triggers.durable,
      batchSize: TRIGGER_BATCH,
      maxMessages: TRIGGER_BATCH * 2,
      decode: (msg) => {
        const decoded = decodeTriggerRun(msg.data);
        if (!decoded.ok) throw decoded.error;
        return decoded.value;
      },
      handleBatch: async (deliveries) => {
        const results = await this.triggers.handleBatch(
          deliveries.map((d) => ({
            trigger: d.payload,
            traceparent: d.msg.headers?.get(TRACEPARENT_HEADER) || null,
          })),
        );
        return results.map((result, i) => {
          const delivery = deliveries[i]!;
          if ('error' in result) {
            this.logger.warn(
              `trigger ${delivery.payload.pipelineId} not started, retried: ${String(result.error)}`,
            );
            return Outcome.nak(redeliveryDelayMs(delivery.deliveryCount));
          }
          this.logger.log(`trigger ${delivery.payload.pipelineId} → run ${result.runId} (${result.outcome})`);
          return Outcome.ack();
        });
      },
      // Terminated messages are logged and stored in dead_letters (stream, subject, sequence, reason).
      onPoison: deadLetters.onPoison,
    });
    const resultRunner = new JetStreamConsumerRunner<ResultBatch>({
      nc: infra.nc,
      stream: consumers.results.stream,
      durable: consumers.results.durable,
      batchSize: RESULT_BATCH,
      maxMessages: RESULT_BATCH * 2,
      decode: (msg) => {
        const decoded = decodeResultBatch(msg.data);
        if (!decoded.ok) throw decoded.error;
        return decoded.value;
      },
      handleBatch: async (deliveries) => {
        await this.results.handle(deliveries.map((d) => d.payload));
        return deliveries.map(() => Outcome.ack());
      },
      // Terminated messages are logged and stored in dead_letters (stream, subject, sequence, reason).
      onPoison: deadLetters.onPoison,
    });
    this.runners = [
      triggerRunner as JetStreamConsumerRunner<unknown>,
      resultRunner as JetStreamConsumerRunner<unknown>,
    ];
    for (const runner of this.runners) await runner.start();

    this.controlSub = infra.nc.subscribe(infra.subjects.controlAll, {
      queue: 'planner',
      callback: (error, msg) => {
        if (error) return;
        const decoded = decodeOperatorCommand(msg.data);
        if (!decoded.ok) {
          msg.respond(
            encodeOperatorReply({ ok: false, error: { code: 'invalid_request', message: decoded.message } }),
          );
          return;
        }
        this.control
          .handle(decoded.command)
          .then((reply) => msg.respond(encodeOperatorReply(reply)))
          .catch((e: unknown) =>
            msg.respond(encodeOperatorReply({ ok: false, error: { code: 'internal', message: String(e) } })),
          );
      },
    });
    // Runs from upstream events (pipelines' on:), after the trigger consumer they publish to.
    this.upstream = new UpstreamTriggers(
      infra,
      this.plans,
      new UpstreamEventHandler(infra, this.triggers),
      deadLetters,
      { log: (line) => this.logger.log(line), warn: (line) => this.logger.warn(line) },
    );
    await this.upstream.start();
    this.relay.start();
    this.ticker.start();
    this.watchdog.start();
    this.cron.start();
    this.startAdopting();
    this.logger.log(
      `planner ready (prefix ${infra.config.subjectPrefix}, ${this.runs.size} running runs loaded)`,
    );
  }

  /**
   * Running runs this planner does not hold come into memory — all of them on start, and every
   * `plannerAdoptEveryMs` those another replica held and left (scaled down, crashed for good): their
   * retries, timeouts and held-back instances are ticked again. Returns how many were adopted.
   */
  async adoptRunningRuns(): Promise<number> {
    const missing = (await runningRunIds(this.infra.db)).filter((runId) => !this.runs.has(runId));
    for (let i = 0; i < missing.length; i += ADOPT_CHUNK) {
      await this.engine.execute(missing.slice(i, i + ADOPT_CHUNK).map((runId) => ({ runId, commands: [] })));
    }
    return missing.length;
  }

  private startAdopting(): void {
    this.adoptTimer = setInterval(() => {
      this.adoptRunningRuns().then(
        (n) => n > 0 && this.logger.log(`adopted ${n} running run(s) this planner did not hold`),
        (e: unknown) => this.logger.warn(`adopting running runs failed, retried later: ${String(e)}`),
      );
    }, this.infra.config.plannerAdoptEveryMs);
    this.adoptTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.adoptTimer) clearInterval(this.adoptTimer);
    await this.cron.stop();
    await this.ticker.stop();
    await this.watchdog.stop();
    await this.upstream?.stop();
    await Promise.all(this.runners.map((r) => r.stop()));
    this.controlSub?.unsubscribe();
    await this.engine.flushed();
    await this.relay.stop();
  }
}
