import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { ClaimedOutboxMessage } from './outbox-message.js';

/**
 * Locks up to `limit` unpublished messages, oldest first, skipping rows other
 * publishers hold (FOR UPDATE SKIP LOCKED), so several publishers can sweep at once.
 *
 * The claim lasts as long as the transaction: call it with a transaction, publish,
 * then `markPublished` in the same transaction. Called with a plain `Kysely`
 * the lock ends with the statement and two publishers may send the same
 * message, which `Nats-Msg-Id` dedupe absorbs but wastes work.
 *
 * @example
 * await db.transaction().execute(async (trx) => {
 *   const batch = await claimOutbox(trx, 100);
 *   await publishAll(batch);
 *   await markPublished(trx, batch.map((m) => m.id));
 * });
 */
export async function claimOutbox(db: Kysely<Database>, limit: number): Promise<ClaimedOutboxMessage[]> {
  const rows = await db
    .selectFrom('outbox')
    .select(['id', 'msg_id', 'subject', 'payload', 'headers', 'created_at'])
    .where('published_at', 'is', null)
    .orderBy('id')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
  return rows.map((row) => ({
    id: row.id,
    msgId: row.msg_id,
    subject: row.subject,
    payload: row.payload,
    headers: row.headers,
    createdAt: row.created_at,
  }));
}
