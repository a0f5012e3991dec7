import type { JetStreamClient } from '@nats-io/jetstream';
import {
  AttemptOutcome as ResultOutcome,
  batchId,
  createResultBatch,
  encodeResultBatch,
  RUN_ID_HEADER,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  type Subjects,
} from '@tributary/events';
import { publishMany, type OutgoingMessage } from '@tributary/messaging';
import { estimatedBytes, tooLargeResult, type ResultInit } from './attempt-results.js';

/** Tunables of {@link ResultPublisher}. */
export interface ResultPublisherOptions {
  /** Flush as soon as this many final results wait (also the most results per message). @default 200 */
  maxResults?: number;
  /** Flush this long after the first result started waiting. @default 5 ms */
  lingerMs?: number;
  /** Split a run's results into messages of at most about this many bytes. @default 3/4 of `maxPayloadBytes` */
  maxMessageBytes?: number;
  /**
   * The NATS server's max_payload (`nc.info.max_payload`): no message published is larger (payload and
   * headers). A single result that cannot fit is replaced by a FATAL `ResultTooLargeError` without output
   * and logs. @default 1 MiB (the server's default)
   */
  maxPayloadBytes?: number;
  /** Give up on a batch whose publish keeps failing after this long (its waiters reject). @default 60 s */
  retryForMs?: number;
  onError?: (error: unknown) => void;
}

/** Counters since start. */
export interface ResultPublisherStats {
  /** Results stored by JetStream (or found already stored: duplicates). */
  results: number;
  /** Result messages stored. */
  messages: number;
  /** STARTED notices replaced by their final result before they were sent. */
  merged: number;
  /** Publish attempts that failed (and were retried or given up). */
  failures: number;
  /** Final results replaced by a `ResultTooLargeError` because even alone they did not fit a message. */
  oversize: number;
}

interface Waiting {
  result: ResultInit;
  traceparent: string;
  tracestate: string;
  waiters: { resolve(): void; reject(error: unknown): void }[];
}

const RETRY_DELAYS_MS = [100, 250, 500, 1_000, 2_000, 5_000];

/**
 * Gathers results and publishes them per run in batches: final results go out at once when no publish is in
 * flight, else as soon as it settles (or when `maxResults` wait); STARTED notices alone wait `lingerMs`. One ResultBatch per run (split by size, and by trace should a run's attempts carry
 * several) on `result.<runId>`, with the attempts' `traceparent` so the run stays one trace. `add` resolves once JetStream acknowledged the message
 * that carries the result (the caller acks its dispatch only then).
 *
 * A STARTED notice still waiting when its final result arrives is replaced by the final one (which
 * carries `startedAt`; the planner derives "started" from it): fast attempts cost one result.
 *
 * `Nats-Msg-Id`: the batch id (a digest of the attempt ids) for batches of final results. Batches
 * holding STARTED notices get a digest of `started:<attemptId>` keys instead: the STARTED and final
 * batches of the same attempts would otherwise share an id and JetStream would drop the final one.
 * A failed publish is retried with the same content, hence the same id: JetStream drops a copy it
 * already stored.
 */
export class ResultPublisher {
  readonly stats: ResultPublisherStats = { results: 0, messages: 0, merged: 0, failures: 0, oversize: 0 };
  private readonly maxResults: number;
  private readonly lingerMs: number;
  private readonly maxMessageBytes: number;
  private readonly maxPayloadBytes: number;
  private readonly retryForMs: number;
  private pending = new Map<string, Waiting>();
  /** Final results among `pending`: STARTED notices wait for the linger, so a fast attempt's final replaces them. */
  private finalsWaiting = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly js: JetStreamClient,
    private readonly subjects: Subjects,
    private readonly options: ResultPublisherOptions = {},
  ) {
    this.maxResults = Math.max(1, options.maxResults ?? 200);
    this.lingerMs = Math.max(0, options.lingerMs ?? 5);
    this.maxPayloadBytes = Math.max(16 * 1024, options.maxPayloadBytes ?? 1024 * 1024);
    this.maxMessageBytes = Math.min(
      this.maxPayloadBytes,
      Math.max(8 * 1024, options.maxMessageBytes ?? Math.floor(this.maxPayloadBytes * 0.75)),
    );
    this.retryForMs = options.retryForMs ?? 60_000;
  }

  /** Results waiting for the next flush. */
  get waiting(): number {
    return this.pending.size;
  }

  /**
   * Queues a result; resolves when JetStream stored the message carrying it, rejects when its
   * publish failed for `retryForMs` or was refused by the server.
   */
  add(result: ResultInit, trace: { traceparent: string; tracestate: string }): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const key = result.attemptId!;
      const existing = this.pending.get(key);
      if (
        existing &&
        existing.result.outcome === ResultOutcome.STARTED &&
        result.outcome !== ResultOutcome.STARTED
      ) {
        existing.result = result;
        existing.waiters.push({ resolve, reject });
        this.stats.merged++;
        this.finalsWaiting++;
        this.scheduleFinals();
        return;
      }
      if (existing) {
        // A second result of the same attempt while the first waits (e.g. a re-run): send the first now.
        this.flush();
      }
      this.pending.set(key, { result, ...trace, waiters: [{ resolve, reject }] });
      if (result.outcome !== ResultOutcome.STARTED) {
        this.finalsWaiting++;
        this.scheduleFinals();
      } else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
    });
  }

  /**
   * Natural batching for final results, no timer: when no publish is in flight they go out at the end of
   * this turn of the event loop (with whatever else finished in it); while one is in flight they gather
   * and go out as soon as it settles. Low latency when idle, big batches under load.
   */
  private scheduleFinals(): void {
    if (this.finalsWaiting >= this.maxResults) this.flush();
    else if (this.inFlight.size === 0) this.immediate ??= setImmediate(() => this.flush());
  }

  /** Publishes everything waiting now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.finalsWaiting = 0;
    const task = this.publish(batch).finally(() => {
      this.inFlight.delete(task);
      // Final results that gathered while this publish was in flight go now.
      if (this.inFlight.size === 0 && this.finalsWaiting > 0) this.flush();
    });
    this.inFlight.add(task);
  }

  /** Flushes and waits for every publish in flight (successful or given up). */
  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async publish(items: Waiting[]): Promise<void> {
    const messages = this.messagesOf(items);
    let remaining = messages;
    const giveUpAt = Date.now() + this.retryForMs;
    for (let round = 0; remaining.length > 0; round++) {
      const settled = await publishMany(
        this.js,
        remaining.map((m) => m.message),
      );
      const failed: typeof remaining = [];
      settled.forEach((s, i) => {
        const m = remaining[i]!;
        if (s.ok) {
          this.stats.messages++;
          this.stats.results += m.items.length;
          for (const item of m.items) item.waiters.forEach((w) => w.resolve());
          return;
        }
        this.stats.failures++;
        if (isTooLarge(s.error)) {
          const smaller = this.smaller(m, s.error);
          if (smaller) {
            failed.push(...smaller);
            return;
          }
        }
        const lastTry = !s.error.retryable || Date.now() >= giveUpAt || (this.closed && round >= 2);
        if (lastTry) {
          this.options.onError?.(s.error);
          for (const item of m.items) item.waiters.forEach((w) => w.reject(s.error));
        } else {
          failed.push(m);
        }
      });
      remaining = failed;
      if (remaining.length > 0) {
        const delay = RETRY_DELAYS_MS[Math.min(round, RETRY_DELAYS_MS.length - 1)]!;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /**
   * A message the server refused as too large (our size estimate was off, or the server's
   * max_payload is small): split into one message per result; a single result is replaced by a
   * FATAL result without output and logs, so the planner still hears how the attempt ended.
   */
  private smaller(
    m: { message: OutgoingMessage; items: Waiting[] },
    error: Error,
  ): { message: OutgoingMessage; items: Waiting[] }[] | null {
    const runId = m.items[0]!.result.runId!;
    if (m.items.length > 1)
      return m.items.map((item) => ({ message: this.messageOf(runId, [item]), items: [item] }));
    const item = m.items[0]!;
    if (item.result.outcome === ResultOutcome.STARTED || item.result.error?.type === 'ResultTooLargeError')
      return null;
    this.stats.oversize++;
    item.result = tooLargeResult(
      item.result,
      m.message.payload.byteLength,
      `NATS refused it (${error.message})`,
    );
    return [{ message: this.messageOf(runId, [item]), items: [item] }];
  }

  /** One message per run and size chunk; each message's items settle with it. */
  private messagesOf(items: Waiting[]): { message: OutgoingMessage; items: Waiting[] }[] {
    // Per run, and per trace within a run (the planner gives a run one trace, so normally one group).
    const groups = new Map<string, Waiting[]>();
    for (const item of items) {
      const key = `${item.result.runId!}\u0000${item.traceparent.split('-')[1] ?? ''}`;
      const list = groups.get(key);
      if (list) list.push(item);
      else groups.set(key, [item]);
    }
    const out: { message: OutgoingMessage; items: Waiting[] }[] = [];
    for (const list of groups.values()) {
      const runId = list[0]!.result.runId!;
      let chunk: Waiting[] = [];
      let bytes = 0;
      const emit = () => {
        if (chunk.length === 0) return;
        const items = chunk;
        chunk = [];
        bytes = 0;
        try {
          out.push(...this.fitted(runId, items));
        } catch (error) {
          // Cannot happen for results built from a checked dispatch; never leave a waiter hanging.
          this.options.onError?.(error);
          for (const item of items) item.waiters.forEach((w) => w.reject(error));
        }
      };
      for (const item of list) {
        const size = estimatedBytes(item.result);
        if (chunk.length > 0 && (bytes + size > this.maxMessageBytes || chunk.length >= this.maxResults))
          emit();
        chunk.push(item);
        bytes += size;
      }
      emit();
    }
    return out;
  }

  /**
   * `items` as messages that each fit the server's max_payload, measured on the encoded message: halves
   * until they fit; a result that alone does not fit becomes a FATAL result without output and logs.
   */
  private fitted(runId: string, items: Waiting[]): { message: OutgoingMessage; items: Waiting[] }[] {
    const message = this.messageOf(runId, items);
    const size = messageBytes(message);
    if (size <= this.maxPayloadBytes) return [{ message, items }];
    if (items.length > 1) {
      const half = Math.ceil(items.length / 2);
      return [...this.fitted(runId, items.slice(0, half)), ...this.fitted(runId, items.slice(half))];
    }
    const item = items[0]!;
    if (item.result.outcome === ResultOutcome.STARTED || item.result.error?.type === 'ResultTooLargeError') {
      throw new Error(
        `a result message of ${size} bytes is over the NATS server's max_payload of ${this.maxPayloadBytes} bytes`,
      );
    }
    this.stats.oversize++;
    item.result = tooLargeResult(
      item.result,
      size,
      `it is over the NATS server's max_payload of ${this.maxPayloadBytes} bytes`,
    );
    return this.fitted(runId, items);
  }

  private messageOf(runId: string, items: Waiting[]): OutgoingMessage {
    const batch = createResultBatch(items.map((i) => i.result));
    const hasStarted = items.some((i) => i.result.outcome === ResultOutcome.STARTED);
    const msgId = hasStarted
      ? batchId(
          'result',
          items.map((i) =>
            i.result.outcome === ResultOutcome.STARTED
              ? `started:${i.result.attemptId}`
              : i.result.attemptId!,
          ),
        )
      : batch.batchId;
    const { traceparent, tracestate } = items[0]!;
    const headers: Record<string, string> = { [RUN_ID_HEADER]: runId };
    if (traceparent) {
      headers[TRACEPARENT_HEADER] = traceparent;
      if (tracestate) headers[TRACESTATE_HEADER] = tracestate;
    }
    return { subject: this.subjects.result(runId), payload: encodeResultBatch(batch), msgId, headers };
  }
}

/** What a message counts against max_payload: its payload and its headers (with the NATS/1.0 line and the Nats-Msg-Id). */
function messageBytes(message: OutgoingMessage): number {
  let headers = 12 + 'Nats-Msg-Id: '.length + message.msgId.length + 2;
  for (const [key, value] of Object.entries(message.headers ?? {})) headers += key.length + value.length + 4;
  // traceparent/tracestate the publish span may add, and the final CRLF.
  return message.payload.byteLength + headers + 256;
}

/** The server (or the client, before sending) refused the message for its size. */
function isTooLarge(error: Error): boolean {
  const text = `${error.message} ${error.cause instanceof Error ? error.cause.message : ''}`;
  return /max_payload|maximum payload|message size exceeds/i.test(text);
}
