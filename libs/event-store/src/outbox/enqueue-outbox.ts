import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { NewOutboxRow } from '../tables/outbox.table.js';
import type { OutboxMessage } from './outbox-message.js';

const CHUNK = 500;

/**
 * Writes outbox messages, skipping any whose `msgId` is already there (a retried
 * transaction re-enqueues the same messages). Pass the transaction that makes
 * the state change so that both commit or neither. Returns how many were new.
 */
export async function enqueueOutbox(
  db: Kysely<Database>,
  messages: readonly OutboxMessage[],
): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < messages.length; i += CHUNK) {
    const rows = messages.slice(i, i + CHUNK).map(toRow);
    const result = await db
      .insertInto('outbox')
      .values(rows)
      .onConflict((conflict) => conflict.column('msg_id').doNothing())
      .executeTakeFirst();
    inserted += Number(result.numInsertedOrUpdatedRows ?? 0n);
  }
  return inserted;
}

function toRow(message: OutboxMessage): NewOutboxRow {
  const { payload } = message;
  return {
    msg_id: message.msgId,
    subject: message.subject,
    // pg sends a Buffer as bytea; wrap (no copy) whatever Uint8Array view we got.
    payload: Buffer.isBuffer(payload)
      ? payload
      : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
    headers: JSON.stringify(message.headers ?? {}),
  };
}
