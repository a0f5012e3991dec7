import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { decodeRunEvents, TRACEPARENT_HEADER, type DecodedRunEvent } from '@tributary/events';
import { recordSpanInTrace } from '@tributary/telemetry';
import {
  ensureConsumer,
  JetStreamConsumerRunner,
  Outcome,
  redeliveryDelayMs,
  type Delivery,
} from '@tributary/messaging';
import {
  INFRASTRUCTURE,
  deadLetterRecorder,
  OutboxRelay,
  type Infrastructure,
  PlanCache,
} from '@tributary/runtime';
import type { OutboxMessage } from '@tributary/event-store';
import { fanInConsumer } from './fan-in.consumers.js';
import { FanInStore, type GroupEventDelivery, type RunApplyOutcome } from './fan-in.store.js';

/** Group events per pull: one transaction per run per batch is the fan-in's throughput lever. */
const EVENT_BATCH = 256;
/** Runs whose transactions run at once within a batch (each locks only its own run row). */
const RUNS_IN_PARALLEL = 4;
/** How often runs whose consolidation was cleared on its own are looked for (see fireClearedConsolidations). */
const CLEARED_SWEEP_MS = 2_000;

/**
 * Counts terminal top-level groups per run and, once every group of a run is terminal, emits exactly
 * one ConsolidationDue per round (through the outbox, published after commit).
 */
@Injectable()
export class FanInService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('fan-in');
  private readonly relay: OutboxRelay;
  private readonly store: FanInStore;
  private runner: JetStreamConsumerRunner<DecodedRunEvent[]> | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;

  constructor(@Inject(INFRASTRUCTURE) private readonly infra: Infrastructure) {
    this.relay = new OutboxRelay(infra.db, infra.js, {
      retainPublishedMs: infra.config.outboxRetentionMs,
      onError: (e) => this.logger.warn(`outbox publish failed, the sweep retries: ${String(e)}`),
    });
    this.store = new FanInStore(infra.db, infra.subjects, new PlanCache(infra.db));
  }

  async onApplicationBootstrap(): Promise<void> {
    const { infra } = this;
    const consumer = fanInConsumer(infra);
    await ensureConsumer(infra.jsm, consumer.stream, consumer);
    this.runner = new JetStreamConsumerRunner<DecodedRunEvent[]>({
      nc: infra.nc,
      stream: consumer.stream,
      durable: consumer.durable,
      batchSize: EVENT_BATCH,
      maxMessages: EVENT_BATCH * 2,
      // One group event, or the group events of one planner commit of one run (an EventBatch).
      decode: (msg) => {
        const decoded = decodeRunEvents(msg.subject, msg.data);
        if (!decoded.ok) throw decoded.error;
        if (decoded.events.length === 0) throw new Error('an event batch without events');
        return decoded.events;
      },
      handleBatch: (deliveries) => this.handleBatch(deliveries),
      // Terminated group events are logged and stored in dead_letters (stream, subject, sequence, reason).
      onPoison: deadLetterRecorder(infra.db, 'fan-in', (line) => this.logger.error(line)).onPoison,
      onError: (error) => this.logger.warn(`consumer: ${String(error)}`),
    });
    await this.runner.start();
    this.relay.start();
    this.sweepTimer = setInterval(() => void this.sweepClearedConsolidations(), CLEARED_SWEEP_MS);
    this.sweepTimer.unref();
    this.logger.log(
      `fan-in ready (prefix ${infra.config.subjectPrefix}, consuming ${consumer.filterSubject})`,
    );
  }

  /**
   * Splits a batch by run (stream order kept within each run) and applies every run in ONE transaction.
   * Should that fail, each run gets a transaction of its own, so one run's trouble never holds back the
   * others: only its messages are redelivered.
   */
  private async handleBatch(deliveries: readonly Delivery<DecodedRunEvent[]>[]): Promise<Outcome[]> {
    const byRun = new Map<string, number[]>();
    deliveries.forEach((d, i) => {
      const list = byRun.get(d.payload[0]!.meta.runId) ?? [];
      list.push(i);
      byRun.set(d.payload[0]!.meta.runId, list);
    });
    const outcomes: Outcome[] = deliveries.map(() => Outcome.ack());
    const startedAt = Date.now();
    const items = new Map(
      [...byRun].map(([runId, indexes]) => [
        runId,
        this.itemsOf(
          runId,
          indexes.map((i) => deliveries[i]!),
        ),
      ]),
    );
    if (items.size > 1) {
      try {
        const applied = await this.store.applyManyRuns(items);
        for (const outcome of applied) this.afterCommit(outcome, items.get(outcome.runId)!, startedAt);
        await this.publish(applied.flatMap((outcome) => outcome.messages));
        return outcomes;
      } catch (error) {
        this.logger.warn(
          `${items.size} runs' group events not applied together, now run by run: ${String(error)}`,
        );
      }
    }
    const runs = [...items.entries()];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < runs.length) {
        const [runId, runItems] = runs[next++]!;
        try {
          const outcome = await this.store.applyRunEvents(runId, runItems);
          this.afterCommit(outcome, runItems, startedAt);
          await this.publish(outcome.messages);
        } catch (error) {
          const indexes = byRun.get(runId)!;
          this.logger.warn(
            `run ${runId}: ${runItems.length} group event(s) not applied, retried later: ${String(error)}`,
          );
          for (const i of indexes) outcomes[i] = Outcome.nak(redeliveryDelayMs(deliveries[i]!.deliveryCount));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(RUNS_IN_PARALLEL, runs.length) }, worker));
    return outcomes;
  }

  private itemsOf(runId: string, deliveries: readonly Delivery<DecodedRunEvent[]>[]): GroupEventDelivery[] {
    return deliveries.flatMap((d) =>
      d.payload.map((decoded) => ({
        runId,
        runSeq: decoded.meta.runSeq,
        event: decoded.event,
        traceparent: d.msg.headers?.get(TRACEPARENT_HEADER) || null,
        traceId: decoded.meta.traceId,
      })),
    );
  }

  /** After a run's events committed: its span in the run's trace and its log lines. */
  private afterCommit(
    outcome: RunApplyOutcome,
    items: readonly GroupEventDelivery[],
    startedAt: number,
  ): void {
    const { runId } = outcome;
    // The batch span is a root of its own; this puts the fan-in's step into the run's trace.
    recordSpanInTrace('fan-in.apply_group_events', {
      traceparent: items.find((i) => i.traceparent)?.traceparent,
      startTime: startedAt,
      attributes: {
        'tributary.run_id': runId,
        'tributary.group_events': items.length,
        'tributary.consolidation_rounds': outcome.rounds.join(','),
      },
    });
    if (outcome.notFannedIn)
      this.logger.debug?.(`run ${runId} is left to the planner: ${outcome.notFannedIn}`);
    for (const round of outcome.rounds)
      this.logger.log(`run ${runId}: every group is terminal → consolidation round ${round}`);
  }

  /** Committed messages: a failed publish stays in the outbox for the sweep, the events are done either way. */
  private async publish(messages: readonly OutboxMessage[]): Promise<void> {
    await this.relay
      .publishCommitted(messages)
      .catch((e: unknown) => this.logger.warn(`outbox publish failed, the sweep retries: ${String(e)}`));
  }

  /** A consolidation cleared on its own gets a new round (no group event announces it). */
  sweepClearedConsolidations(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        for (const outcome of await this.store.fireClearedConsolidations()) {
          for (const round of outcome.rounds)
            this.logger.log(`run ${outcome.runId}: consolidation cleared → consolidation round ${round}`);
          await this.relay.publishCommitted(outcome.messages);
        }
      } catch (error) {
        this.logger.warn(
          `cleared-consolidation sweep failed, retried in ${CLEARED_SWEEP_MS} ms: ${String(error)}`,
        );
      } finally {
        this.sweeping = null;
      }
    })();
    return this.sweeping;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    await this.sweeping;
    await this.runner?.stop();
    await this.relay.stop();
  }
}
