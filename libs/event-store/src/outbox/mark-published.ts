import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';

/** Sets `published_at = now()` on the given outbox ids that are still unpublished; returns how many changed. */
export async function markPublished(db: Kysely<Database>, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db
    .updateTable('outbox')
    .set({ published_at: sql<Date>`now()` })
    .where('id', 'in', [...ids])
    .where('published_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Sets `published_at` on the rows of these message ids (the relay's bookkeeping right after it published
 * a commit's messages; a row it misses is only re-sent by the sweep and dropped by Nats-Msg-Id).
 */
export async function markPublishedByMsgId(db: Kysely<Database>, msgIds: readonly string[]): Promise<void> {
  if (msgIds.length === 0) return;
  await db
    .updateTable('outbox')
    .set({ published_at: new Date() })
    .where('msg_id', 'in', [...msgIds])
    .execute();
}
