import type { PGlite } from '@electric-sql/pglite';

/** One protocol message a client connection sent, waiting for the single PGlite session. */
interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
  since: number;
}

const PROTOCOL_V3 = 196608;

/** `S`ync, `Q`uery… the first byte; `startup` for a startup message (no type byte). */
export function messageKind(message: Uint8Array): string {
  if (message.length >= 8) {
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    if (view.getInt32(4) === PROTOCOL_V3 && view.getInt32(0) === message.length) return 'startup';
  }
  return String.fromCharCode(message[0] ?? 0);
}

/** The SQL text of a `Q` (simple query) or `P` (parse) message; null for other messages. */
export function sqlOf(message: Uint8Array): string | null {
  const kind = messageKind(message);
  if (kind !== 'Q' && kind !== 'P') return null;
  let at = 5;
  if (kind === 'P') {
    while (at < message.length && message[at] !== 0) at += 1; // statement name
    at += 1;
  }
  let end = at;
  while (end < message.length && message[end] !== 0) end += 1;
  return Buffer.from(message.subarray(at, end)).toString('utf8');
}

/** A plain read: may run inside another connection's open transaction without changing what it does. */
export function isReadOnlySql(sql: string): boolean {
  const text = sql.replace(/^\s*(--[^\n]*\n\s*)*/, '').toLowerCase();
  return (
    /^(select|with)\b/.test(text) &&
    !/\bfor\s+(update|no\s+key\s+update|share|key\s+share)\b/.test(text) &&
    !/\b(insert|update|delete)\b/.test(text.startsWith('with') ? text : '')
  );
}

/**
 * Shares PGlite's single session between many client connections (a replacement for pglite-socket's
 * query queue, same interface):
 *
 * - a connection's extended-protocol sequence (Parse … Sync) runs without interleaving, so no other
 *   connection can replace its unnamed statement halfway;
 * - while a connection holds a transaction open, only its own messages run — except plain reads and
 *   startup messages of other connections, which run between its statements. Real Postgres would run
 *   those on their own sessions; without this, code that reads on a second connection while its
 *   transaction is open (a cache miss inside a transaction) would wait for itself forever;
 * - Terminate is answered locally; a connection that goes away rolls back its open transaction.
 */
export class PGliteSessionScheduler {
  private queue: Pending[] = [];
  private running = false;
  /** The connection in the middle of an extended-protocol sequence (until its Sync). */
  private unitOwner: number | null = null;
  /** The connection whose transaction is open. */
  private txnOwner: number | null = null;
  private txnSince = 0;
  private warnedAt = 0;

  constructor(
    private readonly db: PGlite,
    private readonly onStall: (message: string) => void = () => undefined,
    private readonly stallAfterMs = 15_000,
  ) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject, since: Date.now() });
      void this.pump();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    const keep: Pending[] = [];
    for (const item of this.queue) {
      if (item.handlerId === handlerId) item.reject(new Error('connection closed'));
      else keep.push(item);
    }
    this.queue = keep;
    if (this.unitOwner === handlerId) this.unitOwner = null;
  }

  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.unitOwner === handlerId) this.unitOwner = null;
    if (this.txnOwner === handlerId) {
      this.txnOwner = null;
      if (this.db.isInTransaction()) await this.db.runExclusive(() => this.db.exec('ROLLBACK'));
    }
    void this.pump();
  }

  private next(): Pending | undefined {
    const firstOf = (id: number) => this.queue.findIndex((item) => item.handlerId === id);
    let index: number;
    if (this.unitOwner !== null) index = firstOf(this.unitOwner);
    else if (this.txnOwner !== null && this.db.isInTransaction()) {
      index = firstOf(this.txnOwner);
      if (index === -1) index = this.queue.findIndex((item) => this.mayInterleave(item));
      if (index === -1) this.checkStall();
    } else index = this.queue.length > 0 ? 0 : -1;
    if (index === -1) return undefined;
    return this.queue.splice(index, 1)[0];
  }

  /** Another connection's message that may run inside the open transaction. */
  private mayInterleave(item: Pending): boolean {
    const kind = messageKind(item.message);
    if (kind === 'startup' || kind === 'X') return true;
    const sql = sqlOf(item.message);
    return sql !== null && isReadOnlySql(sql);
  }

  private checkStall(): void {
    const now = Date.now();
    if (
      this.queue.length === 0 ||
      now - this.txnSince < this.stallAfterMs ||
      now - this.warnedAt < this.stallAfterMs
    )
      return;
    this.warnedAt = now;
    const waiting = this.queue
      .slice(0, 3)
      .map((item) => (sqlOf(item.message) ?? messageKind(item.message)).slice(0, 100))
      .join(' | ');
    this.onStall(
      `embedded Postgres: a transaction has been open ${Math.round((now - this.txnSince) / 1000)}s while ${this.queue.length} message(s) of other connections wait: ${waiting}`,
    );
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let item = this.next(); item !== undefined; item = this.next()) {
        const kind = messageKind(item.message);
        if (kind === 'X') {
          item.resolve(0);
          continue;
        }
        const unitEnds = kind === 'S' || kind === 'Q' || kind === 'startup';
        if (!unitEnds) this.unitOwner = item.handlerId;
        const wasInTransaction = this.db.isInTransaction();
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item!.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                item!.onData(data);
              },
            }),
          );
        } catch (error) {
          if (unitEnds && this.unitOwner === item.handlerId) this.unitOwner = null;
          item.reject(error);
          continue;
        }
        if (unitEnds && this.unitOwner === item.handlerId) this.unitOwner = null;
        if (this.db.isInTransaction()) {
          if (!wasInTransaction) {
            this.txnOwner = item.handlerId;
            this.txnSince = Date.now();
          }
        } else this.txnOwner = null;
        item.resolve(bytes);
      }
    } finally {
      this.running = false;
    }
    // A stalled transaction gets re-checked while others wait.
    if (this.queue.length > 0 && this.txnOwner !== null) setTimeout(() => void this.pump(), 1000).unref();
  }
}
