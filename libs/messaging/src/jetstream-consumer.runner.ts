import { jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { millis, type Subscription } from '@nats-io/transport-node';
import { ROOT_CONTEXT, SpanKind, trace, type Span, type Tracer } from '@opentelemetry/api';
import { recordSpanError, withSpan } from '@tributary/telemetry';
import { ConsumerRunnerError, HandlerFailedError } from './consumer-runner.error.js';
import { subscribeDeadLetters } from './dead-letter-advisory.js';
import type { ConsumerRunnerOptions } from './consumer-runner.options.js';
import { createDelivery, type Delivery } from './delivery.js';
import { traceContextOfMessage } from './message-headers.js';
import { Outcome } from './message-outcome.js';
import { asPoisonMessageError } from './poison-message.error.js';
import { linksTo, processingAttributes } from './processing-span.js';
import { DEFAULT_RETRY_BACKOFF_MS, redeliveryDelayMs } from './redelivery-backoff.js';

/** Counters since start. */
export interface ConsumerRunnerStats {
  acked: number;
  naked: number;
  termed: number;
}

type Decoded<T> = { ok: true; delivery: Delivery<T> } | { ok: false; msg: JsMsg; reason: string; error: unknown };

/**
 * Pulls from a durable JetStream consumer with bounded concurrency and explicit
 * acks, framework-agnostic. Each message (or batch) is handled inside a
 * CONSUMER span whose parent is the publisher's `traceparent`; the handler's
 * {@link Outcome} is applied (void ⇒ ack), exceptions nak with backoff, and
 * poison (decode failure, `PoisonMessageError`, `Outcome.term`, a handler error
 * with `retryable: false`, a failure on the message's last allowed delivery) is
 * reported to `onPoison` (to be recorded) and termed, never redelivered.
 */
export class JetStreamConsumerRunner<T = Uint8Array> {
  /** Counters since start. */
  readonly stats: ConsumerRunnerStats = { acked: 0, naked: 0, termed: 0 };
  private readonly unitSize: number;
  private readonly concurrency: number;
  private readonly tracer: Tracer;
  private readonly onError: (error: unknown, msg?: JsMsg) => void;
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private messages: ConsumerMessages | undefined;
  private pump: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private deadLetters: Subscription | undefined;
  private readonly queue: JsMsg[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private wakePump: (() => void) | undefined;
  private maxDeliver = -1;
  private backoffMs: readonly number[] = DEFAULT_RETRY_BACKOFF_MS;

  constructor(private readonly options: ConsumerRunnerOptions<T>) {
    this.unitSize = options.handleBatch ? Math.max(1, Math.floor(options.batchSize)) : 1;
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? (options.handleBatch ? 1 : 16)));
    this.tracer = options.tracer ?? trace.getTracer('@tributary/messaging');
    this.onError = options.onError ?? ((error) => console.error(error));
  }

  /** Messages being handled right now. */
  get inFlightCount(): number {
    return this.inFlight.size * this.unitSize;
  }

  /** Binds to the consumer and starts pulling. Throws {@link ConsumerRunnerError} when the consumer does not exist. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new ConsumerRunnerError(this.options.stream, this.options.durable, 'already started', false);
    const { nc, stream, durable } = this.options;
    const js = jetstream(nc);
    let consumer;
    try {
      consumer = await js.consumers.get(stream, durable);
    } catch (error) {
      throw new ConsumerRunnerError(stream, durable, `cannot bind (create it with ensureConsumer first): ${String(error)}`, false, {
        cause: error,
      });
    }
    const { config } = await consumer.info(true);
    this.maxDeliver = config.max_deliver ?? -1;
    this.backoffMs = this.options.retryBackoffMs ?? (config.backoff?.length ? config.backoff.map((n) => millis(n)) : DEFAULT_RETRY_BACKOFF_MS);
    if (this.options.onDeadLetter) {
      const jsm = await jetstreamManager(nc, { checkAPI: false });
      this.deadLetters = subscribeDeadLetters(nc, jsm, { stream, consumer: durable }, this.options.onDeadLetter, this.onError);
    }
    const maxMessages = this.options.maxMessages ?? Math.max(2, this.unitSize * (this.concurrency + 1));
    this.messages = await consumer.consume({ max_messages: maxMessages });
    this.state = 'running';
    void this.watchStatus(this.messages);
    this.pump = this.runPump(this.messages);
  }

  /**
   * Graceful stop: stops pulling, hands queued-but-unstarted messages back
   * (nak), waits for in-flight handlers to settle their messages, then
   * unsubscribes. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.state === 'idle') {
        this.state = 'stopped';
        return;
      }
      this.state = 'stopping';
      this.wakePump?.();
      await this.messages?.close();
      await this.pump;
      // Nak now rather than let these wait out their ack wait on this closing runner.
      for (const msg of this.queue.splice(0)) msg.nak();
      await Promise.allSettled([...this.inFlight]);
      this.deadLetters?.unsubscribe();
      this.state = 'stopped';
    })();
    return this.stopping;
  }

  private async runPump(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const msg of messages) {
        this.queue.push(msg);
        this.dispatch();
        // Backpressure: stop reading (and so pulling) while a full unit waits for a free slot.
        while (this.state === 'running' && this.queue.length >= this.unitSize && this.inFlight.size >= this.concurrency) {
          await new Promise<void>((resolve) => (this.wakePump = resolve));
        }
      }
      if (this.state === 'running') this.onError(this.runnerError('message stream ended (connection closed?)', undefined));
    } catch (error) {
      if (this.state === 'running') this.onError(this.runnerError('stopped consuming', error));
    }
  }

  private dispatch(): void {
    while (this.state === 'running' && this.inFlight.size < this.concurrency && this.queue.length > 0) {
      const unit = this.queue.splice(0, this.unitSize);
      const task: Promise<void> = (this.options.handleBatch ? this.processBatch(unit) : this.processOne(unit[0]!))
        .catch((error) => this.onError(error))
        .finally(() => {
          this.inFlight.delete(task);
          this.dispatch();
          const wake = this.wakePump;
          this.wakePump = undefined;
          wake?.();
        });
      this.inFlight.add(task);
    }
  }

  private async processOne(msg: JsMsg): Promise<void> {
    const parent = traceContextOfMessage(msg);
    await withSpan(
      `consumer.process ${msg.subject}`,
      { parent, kind: SpanKind.CONSUMER, tracer: this.tracer, attributes: processingAttributes(this.options.stream, this.options.durable, msg) },
      async (span) => {
        const decoded = this.decode(msg, parent);
        if (!decoded.ok) return this.settle(msg, Outcome.term(decoded.reason), span, decoded.error);
        try {
          const result = await this.withHeartbeat([msg], () => this.options.handle!(decoded.delivery));
          await this.settle(msg, result ?? Outcome.ack(), span);
        } catch (error) {
          const poison = asPoisonMessageError(error);
          if (poison) return this.settle(msg, Outcome.term(poison.reason), span, poison);
          recordSpanError(span, error);
          const givingUp = this.givingUpReason(msg, error, true);
          if (givingUp) return this.settle(msg, Outcome.term(givingUp), span, error);
          const delayMs = this.retryDelay(msg);
          this.onError(new HandlerFailedError(msg.subject, msg.info.deliveryCount, delayMs, { cause: error }), msg);
          await this.settle(msg, Outcome.nak(delayMs), span);
        }
      },
    );
  }

  private async processBatch(msgs: JsMsg[]): Promise<void> {
    const deliveries: Delivery<T>[] = [];
    for (const msg of msgs) {
      const decoded = this.decode(msg, traceContextOfMessage(msg));
      if (decoded.ok) deliveries.push(decoded.delivery);
      else await this.settle(msg, Outcome.term(decoded.reason), undefined, decoded.error);
    }
    if (deliveries.length === 0) return;
    const { stream, durable } = this.options;
    await withSpan(
      `consumer.process_batch ${stream}/${durable}`,
      {
        parent: ROOT_CONTEXT,
        kind: SpanKind.CONSUMER,
        links: linksTo(deliveries.map((d) => d.traceContext)),
        tracer: this.tracer,
        attributes: { ...processingAttributes(stream, durable), 'messaging.batch.message_count': deliveries.length },
      },
      async (span) => {
        let outcomes: readonly (Outcome | void)[];
        let failure: unknown;
        try {
          const result = await this.withHeartbeat(
            deliveries.map((d) => d.msg),
            () => this.options.handleBatch!(deliveries),
          );
          if (result !== undefined && result.length !== deliveries.length) {
            throw new Error(`batch handler returned ${result.length} outcomes for ${deliveries.length} messages`);
          }
          outcomes = result ?? [];
        } catch (error) {
          failure = error;
          recordSpanError(span, error);
          const first = deliveries[0]!.msg;
          this.onError(new HandlerFailedError(first.subject, first.info.deliveryCount, this.retryDelay(first), { cause: error }));
          // The batch failed as a whole: only a message on its last delivery is given up (and recorded).
          outcomes = deliveries.map((d) => {
            const givingUp = this.givingUpReason(d.msg, error, false);
            return givingUp ? Outcome.term(givingUp) : Outcome.nak(this.retryDelay(d.msg));
          });
        }
        await Promise.all(deliveries.map((d, i) => this.settle(d.msg, outcomes[i] ?? Outcome.ack(), undefined, failure)));
      },
    );
  }

  private decode(msg: JsMsg, parent: Delivery<T>['traceContext']): Decoded<T> {
    try {
      const payload = this.options.decode ? this.options.decode(msg) : (msg.data as T);
      return { ok: true, delivery: createDelivery(msg, payload, parent) };
    } catch (error) {
      const poison = asPoisonMessageError(error);
      const reason = poison ? poison.reason : `undecodable payload: ${error instanceof Error ? error.message : String(error)}`;
      return { ok: false, msg, reason, error };
    }
  }

  private async settle(msg: JsMsg, outcome: Outcome, span: Span | undefined, cause?: unknown): Promise<void> {
    span?.setAttribute('tributary.outcome', outcome.kind);
    switch (outcome.kind) {
      case 'ack':
        msg.ack();
        this.stats.acked++;
        return;
      case 'nak':
        msg.nak(outcome.delayMs);
        this.stats.naked++;
        return;
      case 'term': {
        span?.setAttribute('tributary.poison_reason', outcome.reason);
        try {
          await this.options.onPoison?.(msg, outcome.reason, cause);
        } catch (error) {
          this.onError(error, msg);
          if (!this.isLastDelivery(msg)) {
            // Not recorded yet: keep the message so the record can be retried.
            msg.nak(this.retryDelay(msg));
            this.stats.naked++;
            return;
          }
        }
        // No reason argument: servers before 2.11 ignore "+TERM <reason>" and redeliver.
        msg.term();
        this.stats.termed++;
        return;
      }
    }
  }

  private async withHeartbeat<R>(msgs: readonly JsMsg[], fn: () => R | Promise<R>): Promise<R> {
    const every = this.options.heartbeatMs;
    if (!every) return fn();
    const timer = setInterval(() => msgs.forEach((m) => m.working()), every);
    try {
      return await fn();
    } finally {
      clearInterval(timer);
    }
  }

  private async watchStatus(messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      if (status.type === 'consumer_deleted' || status.type === 'consumer_not_found' || status.type === 'stream_not_found') {
        this.onError(this.runnerError(`${status.type.replaceAll('_', ' ')}; still retrying`, undefined));
      }
    }
  }

  private retryDelay(msg: JsMsg): number {
    return redeliveryDelayMs(msg.info.deliveryCount, this.backoffMs, this.maxDeliver);
  }

  /**
   * Why a failed message is terminated rather than redelivered, or null to nak it: the handler's error
   * says no retry can help (`retryable: false`, single messages only), or this was its last allowed
   * delivery (the server would not deliver it again: it is terminated and recorded instead of left behind).
   */
  private givingUpReason(msg: JsMsg, error: unknown, single: boolean): string | null {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (single && (error as { retryable?: unknown } | null)?.retryable === false) {
      return `handler failed for good (not retryable) on delivery ${msg.info.deliveryCount}: ${detail}`;
    }
    if (this.isLastDelivery(msg)) {
      return `handler failed on the last allowed delivery (${msg.info.deliveryCount} of max_deliver ${this.maxDeliver}): ${detail}`;
    }
    return null;
  }

  private isLastDelivery(msg: JsMsg): boolean {
    return this.maxDeliver > 0 && msg.info.deliveryCount >= this.maxDeliver;
  }

  private runnerError(message: string, cause: unknown): ConsumerRunnerError {
    return new ConsumerRunnerError(this.options.stream, this.options.durable, message, true, { cause });
  }
}
