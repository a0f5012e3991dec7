import { INFRASTRUCTURE } from '@tributary/runtime';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { decodeRunEvents } from '@tributary/events';
import { hashedPayload } from '@tributary/event-store';
import type { Infrastructure } from '@tributary/runtime';
import { notFound } from '../http/api-error.js';
import type { ApiResponse } from '../http/http-types.js';
import { ProgressThrottle } from './progress-throttle.js';
import { FINISHED_RUN_STATES, RunQueries } from './run-queries.js';
import { loadStreamLimits, slowClientReason, StreamSlots } from './stream-limits.js';

/** A comment line every this often keeps proxies from closing an idle stream. */
export const KEEP_ALIVE_MS = 15_000;

/** Events after which a run has nothing more to say (unless an operator reopens it). */
const FINAL_EVENTS: ReadonlySet<string> = new Set(['RunCompleted', 'RunCancelled', 'TriggerRejected']);

/** An SSE message's data: secret envelopes redacted (`hashedPayload`), like every other response. */
const json = (value: unknown): string =>
  JSON.stringify(hashedPayload(value), (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));

/**
 * `GET /runs/:id/stream`: subscribes to the run's event subjects (core NATS) *before* reading the
 * snapshot, so nothing falls between the two; events the snapshot already reflects (run_seq ≤ the
 * snapshot's) are skipped. Each SSE message carries `id: <runSeq>`. Streams are counted per token and
 * in all (429 over either); a client that does not read (more than TRIBUTARY_SSE_MAX_BUFFER written and
 * unsent) is dropped instead of buffered without bound — it reconnects and gets a fresh snapshot.
 * With `progressMs`, events are not sent one by one but counted into `progress` messages (ProgressThrottle);
 * the final event is sent as itself.
 */
@Injectable()
export class RunStreams implements BeforeApplicationShutdown {
  private readonly logger = new Logger('api');
  private readonly active = new Set<() => void>();
  /** Read at construction, so a bad value stops the api at start. */
  readonly slots = new StreamSlots(loadStreamLimits());

  constructor(
    @Inject(INFRASTRUCTURE) private readonly infra: Infrastructure,
    @Inject(RunQueries) private readonly queries: RunQueries,
  ) {}

  /** `holder`: whose slot the stream takes (the token's id, else the caller's name). */
  async open(
    runId: string,
    res: ApiResponse,
    holder: string,
    options: { progressMs?: number } = {},
  ): Promise<void> {
    const release = this.slots.acquire(holder);
    const sub = this.infra.nc.subscribe(this.infra.subjects.eventsOfRun(runId));
    let found: Awaited<ReturnType<RunQueries['runView']>>;
    try {
      await this.infra.nc.flush(); // the server has the subscription before the snapshot is read
      found = await this.queries.runView(runId);
    } catch (error) {
      sub.unsubscribe();
      release();
      throw error;
    }
    if (!found) {
      sub.unsubscribe();
      release();
      throw notFound(
        `run ${runId} does not exist (yet: a trigger appears here once the planner has processed it)`,
      );
    }

    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    const limit = this.slots.limits;
    const write = (text: string) => {
      if (res.writableEnded || res.destroyed) return;
      res.write(text);
      // Back-pressure: what the socket could not send stays in memory; a client that stops reading
      // is dropped (destroyed: a final message could not reach it either).
      if (res.writableLength > limit.maxBufferedBytes) {
        this.logger.warn(
          `run ${runId}: dropped a slow stream client: ${slowClientReason(res.writableLength, limit)}`,
        );
        res.destroy();
      }
    };
    write(`event: snapshot\nid: ${found.lastSeq}\ndata: ${json(found.view)}\n\n`);

    let closed = false;
    const keepAlive = setInterval(() => write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    keepAlive.unref();
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      sub.unsubscribe();
      release();
      this.active.delete(close);
      if (!res.writableEnded) res.end();
    };
    this.active.add(close);
    res.on('close', close);

    if (res.destroyed || FINISHED_RUN_STATES.has(found.view.run.state)) {
      close();
      return;
    }
    const progress =
      options.progressMs === undefined
        ? null
        : new ProgressThrottle(options.progressMs, (seq, events) =>
            write(`event: progress\nid: ${seq}\ndata: ${JSON.stringify({ runSeq: seq, events })}\n\n`),
          );
    void this.pump(sub, found.lastSeq, write, close, runId, progress);
  }

  private async pump(
    sub: Subscription,
    snapshotSeq: number,
    write: (text: string) => void,
    close: () => void,
    runId: string,
    progress: ProgressThrottle | null,
  ): Promise<void> {
    const sent = new Set<number>();
    // The fan-in's ConsolidationDue shares the run's EVENTS subjects but is not a run event.
    const consolidationDue = this.infra.subjects.consolidationDue(runId);
    try {
      for await (const msg of sub) {
        if (msg.subject === consolidationDue) continue;
        // One event, or a batch of a commit's task events (the planner batches those).
        const decoded = decodeRunEvents(msg.subject, msg.data);
        if (!decoded.ok) {
          this.logger.warn(
            `run ${runId}: skipped an undecodable event on ${msg.subject}: ${decoded.error.message}`,
          );
          continue;
        }
        let finished = false;
        for (const { event, meta } of decoded.events) {
          const runSeq = meta.runSeq;
          if (runSeq <= snapshotSeq || sent.has(runSeq)) continue;
          sent.add(runSeq);
          const final = FINAL_EVENTS.has(event.type);
          if (progress && !final) {
            progress.add(runSeq);
            continue;
          }
          progress?.flush();
          write(`event: ${event.type}\nid: ${runSeq}\ndata: ${json({ ...event, runSeq })}\n\n`);
          if (final) finished = true;
        }
        if (finished) break;
      }
    } catch (error) {
      this.logger.warn(`run ${runId}: event subscription ended: ${String(error)}`);
    } finally {
      progress?.stop();
      close();
    }
  }

  /** Ends every open stream, so closing the HTTP server does not wait for clients that never leave. */
  beforeApplicationShutdown(): void {
    for (const close of [...this.active]) close();
  }
}
