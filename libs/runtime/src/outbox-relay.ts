import type { Kysely } from 'kysely';
import type { JetStreamClient } from '@nats-io/jetstream';
import { claimOutbox, markPublished, type Database, type OutboxMessage } from '@tributary/event-store';
import { publishMany } from '@tributary/messaging';

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
      onError?: (error: unknown) => void;
    } = {},
  ) {}

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
    if (published.length > 0) {
      await this.db
        .updateTable('outbox')
        .set({ published_at: new Date() })
        .where('msg_id', 'in', published)
        .execute();
    }
    const failed = settled.find((s) => !s.ok);
    if (failed && !failed.ok) this.options.onError?.(failed.error);
  }

  start(): void {
    const every = this.options.sweepEveryMs ?? 2000;
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
    void this.sweep();
  }

  /** Publishes every unpublished row (oldest first), in batches. */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        for (;;) {
          const rows = await claimOutbox(this.db, this.options.batch ?? 500);
          if (rows.length === 0) return;
          const settled = await publishMany(
            this.js,
            rows.map((r) => ({ subject: r.subject, payload: r.payload, msgId: r.msgId, headers: r.headers })),
          );
          const ok = rows.filter((_, i) => settled[i]?.ok).map((r) => r.id);
          if (ok.length > 0) await markPublished(this.db, ok);
          if (ok.length < rows.length) return;
        }
      } catch (error) {
        this.options.onError?.(error);
      } finally {
        this.sweeping = null;
      }
    })();
    return this.sweeping;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
  }
}
