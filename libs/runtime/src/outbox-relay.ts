import type { Kysely } from 'kysely';
import type { JetStreamClient } from '@nats-io/jetstream';
import {
  claimOutbox,
  markPublished,
  markPublishedByMsgId,
  pruneOutbox,
  type Database,
  type OutboxMessage,
} from '@tributary/event-store';
import { publishMany } from '@tributary/messaging';
import { DEFAULT_OUTBOX_RETENTION_MS } from './config.js';

/**
 * Publishes outbox rows after their transaction committed (invariant 3): right away for what this
 * process just wrote, and by a periodic sweep for anything left behind by a crash or a NATS outage.
 * JetStream drops re-published copies by `Nats-Msg-Id`, so publishing twice is harmless.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly js: JetStreamClient,
    private readonly options: {
      sweepEveryMs?: number;
      batch?: number;
      /** How long published rows stay before a sweep deletes them. @default 1 hour */
      retainPublishedMs?: number;
      /** How often a sweep also prunes. @default 1 minute */
      pruneEveryMs?: number;
      onError?: (error: unknown) => void;
      now?: () => number;
    } = {},
  ) {}

  private lastPruneAt = Number.NEGATIVE_INFINITY;
  private marking: Promise<void> = Promise.resolve();

  /** Publishes messages committed a moment ago; what fails stays in the outbox for the sweep. */
  async publishCommitted(messages: readonly OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const settled = await publishMany(
      this.js,
      messages.map((m) => ({
        subject: m.subject,
        payload: m.payload,
        msgId: m.msgId,
        headers: m.headers ?? {},
      })),
    );
    const published = messages.filter((_, i) => settled[i]?.ok).map((m) => m.msgId);
    // Marking rows published is bookkeeping for the sweep (a row it re-sends is dropped by Nats-Msg-Id):
    // it runs behind, so the next commit's messages need not wait for this UPDATE.
    if (published.length > 0) {
      this.marking = this.marking
        .then(() => markPublishedByMsgId(this.db, published))
        .then(
          () => undefined,
          (error: unknown) => this.options.onError?.(error),
        );
    }
    const failed = settled.find((s) => !s.ok);
    if (failed && !failed.ok) this.options.onError?.(failed.error);
  }

  /** Resolves once every publish so far is marked in the outbox (for shutdown and tests). */
  marked(): Promise<void> {
    return this.marking;
  }

  start(): void {
    const every = this.options.sweepEveryMs ?? 2000;
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
    void this.sweep();
  }

  /** Publishes every unpublished row (oldest first), in batches; now and then prunes published ones. */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        for (;;) {
          const rows = await claimOutbox(this.db, this.options.batch ?? 500);
          if (rows.length === 0) break;
          const settled = await publishMany(
            this.js,
            rows.map((r) => ({ subject: r.subject, payload: r.payload, msgId: r.msgId, headers: r.headers })),
          );
          const ok = rows.filter((_, i) => settled[i]?.ok).map((r) => r.id);
          // A row the server refuses for good (too large, …) would be claimed first by every sweep
          // forever and hold back the rows behind it: it is given up, loudly, and the sweep goes on.
          const refused = rows.filter((_, i) => {
            const s = settled[i];
            return s !== undefined && !s.ok && !s.error.retryable;
          });
          for (const [i, row] of rows.entries()) {
            const s = settled[i];
            if (s && !s.ok && !s.error.retryable)
              this.options.onError?.(
                new Error(
                  `outbox row ${row.id} (${row.subject}) given up, the server refuses it: ${s.error.message}`,
                ),
              );
          }
          const done = [...ok, ...refused.map((r) => r.id)];
          if (done.length > 0) await markPublished(this.db, done);
          if (done.length < rows.length) break;
        }
        await this.pruneWhenDue();
      } catch (error) {
        this.options.onError?.(error);
      } finally {
        this.sweeping = null;
      }
    })();
    return this.sweeping;
  }

  /** Deletes published rows past their retention, a bounded batch at a time (short locks). */
  private async pruneWhenDue(): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    if (now - this.lastPruneAt < (this.options.pruneEveryMs ?? 60_000)) return;
    this.lastPruneAt = now;
    const before = new Date(now - (this.options.retainPublishedMs ?? DEFAULT_OUTBOX_RETENTION_MS));
    for (let round = 0; round < 20; round += 1) {
      if ((await pruneOutbox(this.db, before, 5_000)) < 5_000) return;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
    await this.marking;
  }
}
