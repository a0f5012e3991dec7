import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import {
  decodeDispatchBatch,
  decodeRunEvent,
  encodeHeartbeat,
  timestampFromEpochMs,
  type AttemptDispatch,
  type DispatchBatch,
} from '@tributary/events';
import { ensureConsumer, JetStreamConsumerRunner, Outcome, type Delivery } from '@tributary/messaging';
import { sanitizeText } from '@tributary/domain';
import {
  INFRASTRUCTURE,
  answerPresence,
  deadLetterRecorder,
  describeBytes,
  MAX_OUTPUT_BYTES_VARIABLE,
  openAttemptSecrets,
  type DeadLetterRecorder,
  type Infrastructure,
} from '@tributary/runtime';
import { extractTraceContext, withSpan } from '@tributary/telemetry';
import { runAttempt } from '@tributary/worker-sdk';
import {
  finalResult,
  refusedResult,
  requestOf,
  startedResult,
  type ResultOrigin,
} from './attempt-results.js';
import { executorConsumer, TASK_WORKING_EVERY_MS } from './executor.consumers.js';
import { ResultPublisher } from './result-publisher.js';
import { RunningAttempts, type AttemptEnd, type HeldAttempt } from './running-attempts.js';
import { Semaphore, SemaphoreClosedError } from './semaphore.js';
import type { ExecutorSettings, ExecutorStats } from './executor-settings.js';
import { EXECUTOR_SETTINGS } from './tokens.js';

export type { ExecutorSettings, ExecutorStats } from './executor-settings.js';

/** What a result carries besides its output, at most: 64 KiB of logs, error texts, ids and envelope. */
const RESULT_OVERHEAD_BYTES = 64 * 1024 + 3 * 16 * 1024 * 3 + 16 * 1024;

/**
 * An executor host: pulls dispatch batches for its executor names, runs their attempts under one
 * host-wide concurrency limit, reports STARTED and final results in per-run batches, aborts attempts
 * whose task instance was cancelled, and heartbeats its running attempts.
 *
 * Delivery is at-least-once: a dispatch is acked only after the final results of all its attempts
 * were stored by JetStream (PubAck). A host that crashes (or stops) before that leaves the message
 * unacked (or naks it): it is redelivered and its attempts run again, possibly on another host. The
 * planner refuses the results of attempts it already recorded (duplicate or stale attempt ids), so
 * state stays exactly-once; handlers with side effects must be idempotent (DESIGN §3.4).
 */
@Injectable()
export class ExecutorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('executor');
  readonly stats: ExecutorStats = {
    dispatches: 0,
    attempts: 0,
    reported: 0,
    handedBack: 0,
    cancelled: 0,
    outlived: 0,
  };
  readonly results: ResultPublisher;
  private readonly slots: Semaphore;
  private readonly held = new RunningAttempts();
  private readonly deadLetters: DeadLetterRecorder;
  /** Who runs attempts here, as results name it (the host name repaired for Postgres). */
  private readonly host: string;
  private runners: JetStreamConsumerRunner<DispatchBatch>[] = [];
  private cancelSub: Subscription | null = null;
  private presenceSub: Subscription | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;

  constructor(
    @Inject(INFRASTRUCTURE) private readonly infra: Infrastructure,
    @Inject(EXECUTOR_SETTINGS) readonly settings: ExecutorSettings,
  ) {
    this.slots = new Semaphore(settings.concurrency);
    this.host = sanitizeText(infra.config.host);
    const maxPayload = infra.nc.info?.max_payload ?? 1024 * 1024;
    this.results = new ResultPublisher(infra.js, infra.subjects, {
      maxPayloadBytes: maxPayload,
      maxMessageBytes: Math.floor(maxPayload * 0.75),
      onError: (e) => this.logger.error(`result publish failed: ${String(e)}`),
    });
    if (settings.maxOutputBytes + RESULT_OVERHEAD_BYTES > maxPayload) {
      this.logger.warn(
        `${MAX_OUTPUT_BYTES_VARIABLE} is ${describeBytes(settings.maxOutputBytes)}, but the NATS server's max_payload is ` +
          `${describeBytes(maxPayload)}: an output near the limit cannot travel with its logs, and such an attempt ` +
          'fails with ResultTooLargeError; lower the limit or raise max_payload',
      );
    }
    this.deadLetters = deadLetterRecorder(infra.db, 'executor', (line) => this.logger.error(line));
  }

  /** Attempts running right now (holding a slot). */
  get runningCount(): number {
    return this.slots.inUse;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { infra, settings } = this;
    this.cancelSub = infra.nc.subscribe(infra.subjects.taskCancelledAll, {
      callback: (error, msg) => {
        if (!error) this.onCancelled(msg.data);
      },
    });
    for (const name of settings.executors) {
      const def = executorConsumer(infra, name, settings.concurrency);
      await ensureConsumer(infra.jsm, def.stream, def);
      this.runners.push(
        new JetStreamConsumerRunner<DispatchBatch>({
          nc: infra.nc,
          stream: def.stream,
          durable: def.durable,
          // Dispatches (1..N attempts each) in hand at once for this name; the semaphore bounds attempts.
          concurrency: settings.concurrency,
          heartbeatMs: TASK_WORKING_EVERY_MS,
          decode: (msg) => {
            const decoded = decodeDispatchBatch(msg.data);
            if (!decoded.ok) throw decoded.error;
            return decoded.value;
          },
          handle: (delivery) => this.handleDispatch(name, delivery),
          // Terminated, logged and stored in dead_letters (the only rows an executor host writes).
          onPoison: (msg, reason, error) => this.deadLetters.onPoison(msg, reason, error),
          onDeadLetter: (event) => this.deadLetters.onDeadLetter(event),
          onError: (error) => this.logger.warn(`executor ${name}: ${describe(error)}`),
        }),
      );
    }
    for (const runner of this.runners) await runner.start();
    // Answered only once every name is pulled: a host listed by `tributary executors` is serving.
    this.presenceSub = answerPresence(
      infra.nc,
      infra.subjects,
      { kind: 'executor', hostname: this.host },
      () => this.load(),
    );
    this.sendHeartbeats();
    this.heartbeatTimer = setInterval(() => this.sendHeartbeats(), settings.heartbeatMs);
    this.heartbeatTimer.unref();
    this.logger.log(
      `executor host ${infra.config.host} ready: ${settings.executors.join(', ')} ` +
        `(concurrency ${settings.concurrency}, prefix ${infra.config.subjectPrefix})`,
    );
  }

  /**
   * Runs every attempt of one dispatch; acks once all final results are stored. Attempts that did not
   * finish because the host is stopping send no final result: the dispatch is nak'ed so it runs again.
   * A result publish that failed for good throws: the runner naks with backoff (the batch runs again).
   */
  private async handleDispatch(executor: string, delivery: Delivery<DispatchBatch>): Promise<Outcome> {
    const batch = delivery.payload;
    this.stats.dispatches++;
    if (batch.executor !== '' && batch.executor !== executor) {
      this.logger.warn(
        `dispatch ${batch.batchId} names executor "${batch.executor}" but came on ${delivery.subject}: running it as "${executor}"`,
      );
    }
    const ends = await Promise.all(batch.attempts.map((attempt) => this.execute(executor, attempt)));
    if (ends.includes('handed-back')) {
      this.stats.handedBack++;
      return Outcome.nak();
    }
    return Outcome.ack();
  }

  private execute(executor: string, dispatch: AttemptDispatch): Promise<AttemptEnd> {
    if (!dispatch.attemptId || !dispatch.runId || !dispatch.taskId) {
      this.logger.error(
        `attempt without attemptId/runId/taskId (${JSON.stringify([dispatch.attemptId, dispatch.runId, dispatch.taskId])}) in a dispatch for ${executor}: dropped, nothing can report it`,
      );
      return Promise.resolve('reported');
    }
    try {
      this.infra.subjects.result(dispatch.runId);
    } catch (error) {
      this.logger.error(
        `attempt ${dispatch.attemptId}: run id cannot name a result subject (${describe(error)}): dropped`,
      );
      return Promise.resolve('reported');
    }
    // The same attempt again while it still runs here (a redelivery): wait for the first run's report.
    const existing = this.held.get(dispatch.attemptId);
    if (existing?.done) return existing.done;
    const held = this.held.add(dispatch, executor);
    this.stats.attempts++;
    held.done = this.runHeld(held).finally(() => this.held.delete(held));
    return held.done;
  }

  private async runHeld(held: HeldAttempt): Promise<AttemptEnd> {
    const { dispatch, executor, controller } = held;
    const origin: ResultOrigin = { executor, host: this.host };
    const trace = { traceparent: dispatch.traceparent, tracestate: dispatch.tracestate };
    let acquired: boolean;
    try {
      acquired = await this.slots.acquire(controller.signal);
    } catch (error) {
      if (error instanceof SemaphoreClosedError) return 'handed-back';
      throw error;
    }
    let result;
    let stillRunning: Promise<void> | null = null;
    try {
      held.state = 'running';
      const requested = requestOf(dispatch);
      // Secrets decrypted for the handler only; masked in everything the attempt reports.
      const decoded = requested.ok
        ? openAttemptSecrets(requested.request, this.settings.secrets ?? null)
        : requested;
      if (!decoded.ok) {
        result = refusedResult(dispatch, origin, decoded.error, Date.now());
      } else {
        if (!controller.signal.aborted) {
          this.results
            .add(startedResult(dispatch, origin, Date.now()), trace)
            .catch((e: unknown) =>
              this.logger.warn(`STARTED of ${dispatch.attemptId} not sent: ${describe(e)}`),
            );
        }
        const handler = this.settings.registry.get(executor)!;
        const outcome = await withSpan(
          `attempt ${executor}`,
          {
            // The attempt's own trace (the run's); without one, the dispatch's processing span.
            ...(dispatch.traceparent ? { parent: extractTraceContext(trace) } : {}),
            attributes: {
              'tributary.executor': executor,
              'tributary.run_id': dispatch.runId,
              'tributary.task_id': dispatch.taskId,
              'tributary.attempt_id': dispatch.attemptId,
            },
          },
          async (span) => {
            const ended = await runAttempt(handler, decoded.request, {
              signal: controller.signal,
              onStillRunning: (settled) => (stillRunning = settled),
            });
            span.setAttribute('tributary.outcome', ended.outcome);
            return decoded.masker.maskDeep(ended);
          },
        );
        result = finalResult(dispatch, origin, outcome, this.settings.maxOutputBytes);
      }
    } finally {
      held.state = 'finishing';
      if (acquired) this.releaseWhenSettled(stillRunning, dispatch.attemptId, executor);
    }
    if (held.abortedByShutdown) return 'handed-back';
    await this.results.add(result, trace);
    this.stats.reported++;
    return 'reported';
  }

  /**
   * Frees the attempt's slot — once its handler really stopped. A handler that ignores `ctx.signal`
   * keeps running after its timeout or cancel (JavaScript cannot kill it): its slot stays taken until it
   * returns, so such handlers cannot pile up beyond the host's concurrency.
   */
  private releaseWhenSettled(stillRunning: Promise<void> | null, attemptId: string, executor: string): void {
    if (stillRunning === null) {
      this.slots.release();
      return;
    }
    this.stats.outlived++;
    this.logger.warn(
      `handler "${executor}" of ${attemptId} ignored its abort signal and still runs; its slot stays taken until it returns`,
    );
    void stillRunning.finally(() => {
      this.stats.outlived--;
      this.slots.release();
    });
  }

  private onCancelled(data: Uint8Array): void {
    const decoded = decodeRunEvent(data);
    if (!decoded.ok) {
      this.logger.warn(`unreadable TaskInstanceCancelled event ignored: ${decoded.error.message}`);
      return;
    }
    const { event, meta } = decoded;
    if (event.type !== 'TaskInstanceCancelled') return;
    const reason = `${event.reason}${event.actor ? ` (by ${event.actor})` : ''}`;
    const aborted = this.held.cancel(meta.runId, event.taskId, reason);
    if (aborted > 0) {
      this.stats.cancelled += aborted;
      this.logger.log(`cancelled ${meta.runId}/${event.taskId}: ${reason}`);
    }
  }

  /** This host's load for presence answers: attempts holding a slot, and those running per name. */
  private load() {
    return {
      executors: this.settings.executors,
      inFlight: this.runningCount,
      concurrency: this.settings.concurrency,
      inFlightByExecutor: this.held.runningByExecutor(),
    };
  }

  private sendHeartbeats(): void {
    const { nc, subjects } = this.infra;
    if (nc.isClosed()) return;
    const at = timestampFromEpochMs(Date.now());
    // Thousands of running attempts can outgrow one message: send several, each well under max_payload.
    const budget = Math.floor((nc.info?.max_payload ?? 1024 * 1024) / 2);
    for (const executor of this.settings.executors) {
      try {
        for (const attemptIds of chunkByBytes(this.held.heldIds(executor), budget)) {
          nc.publish(
            subjects.heartbeat(executor),
            encodeHeartbeat({ attemptIds, host: this.host, at, executor }),
          );
        }
      } catch (error) {
        this.logger.warn(`heartbeat of ${executor} not sent: ${describe(error)}`);
      }
    }
  }

  /**
   * Graceful stop: stop pulling; attempts waiting for a slot are handed back (their dispatch is
   * nak'ed, another host runs it); running attempts get `shutdownGraceMs` to finish, then are aborted
   * and handed back the same way; every final result is flushed before the connection closes.
   */
  onApplicationShutdown(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
      this.heartbeatTimer = null;
      // A stopping host serves nothing new: it leaves the presence answers first.
      this.presenceSub?.unsubscribe();
      const stopped = Promise.all(this.runners.map((r) => r.stop()));
      this.slots.close();
      const grace = setTimeout(() => {
        const aborted = this.held.abortForShutdown(
          `executor host ${this.host} is shutting down (grace of ${this.settings.shutdownGraceMs} ms over)`,
        );
        if (aborted > 0)
          this.logger.warn(
            `aborted ${aborted} running attempts at shutdown; their dispatches go back to the queue`,
          );
      }, this.settings.shutdownGraceMs);
      try {
        await stopped;
      } finally {
        clearTimeout(grace);
      }
      await this.results.close();
      this.cancelSub?.unsubscribe();
      this.logger.log(
        `executor host ${this.infra.config.host} stopped: ${this.stats.reported} attempts reported, ` +
          `${this.stats.handedBack} dispatches handed back`,
      );
    })();
    return this.stopping;
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/** `ids` in lists of at most about `budget` encoded bytes; always at least one (possibly empty) list. */
function chunkByBytes(ids: readonly string[], budget: number): string[][] {
  const chunks: string[][] = [[]];
  let bytes = 0;
  for (const id of ids) {
    const size = Buffer.byteLength(id) + 4;
    if (bytes + size > budget && chunks.at(-1)!.length > 0) {
      chunks.push([]);
      bytes = 0;
    }
    chunks.at(-1)!.push(id);
    bytes += size;
  }
  return chunks;
}
