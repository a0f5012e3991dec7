import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

/**
 * Deletes up to `limit` outbox rows published before `publishedBefore`, oldest first; returns how
 * many went. A published row is no longer needed (the event log is the record); without pruning the
 * outbox keeps a copy of every message ever sent. Unpublished rows are never touched.
 *
 * Keep rows longer than any writer may re-enqueue the same `msgId`: `enqueueOutbox` skips a msgId
 * that is still here, and a pruned one would be sent again.
 */
export async function pruneOutbox(
  db: Kysely<Database>,
  publishedBefore: Date,
  limit = 5_000,
): Promise<number> {
  const result = await db
    .deleteFrom('outbox')
    .where(
      'id',
      'in',
      db
        .selectFrom('outbox')
        .select('id')
        .where('published_at', '<', publishedBefore)
        .orderBy('id')
        .limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
