import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/database.js';
import type { OutboxMessage } from './outbox-message.js';

const CHUNK = 2000;

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
  for (const statement of outboxWrites(messages)) {
    const result = await statement.execute(db);
    inserted += Number(result.numAffectedRows ?? 0n);
  }
  return inserted;
}

/** {@link outboxWrite} per chunk of messages (bounds one statement's JSON document). */
export function outboxWrites(messages: readonly OutboxMessage[]): RawBuilder<unknown>[] {
  const statements: RawBuilder<unknown>[] = [];
  for (let i = 0; i < messages.length; i += CHUNK) statements.push(outboxWrite(messages.slice(i, i + CHUNK)));
  return statements;
}

/**
 * The INSERT of `messages` into the outbox (skipping msg ids already there), set-based: one JSON
 * document, payloads as base64, instead of 4 bind parameters per row. Runs alone or as a CTE.
 */
export function outboxWrite(messages: readonly OutboxMessage[]): RawBuilder<unknown> {
  const rows = messages.map((message) => ({
    msg_id: message.msgId,
    subject: message.subject,
    payload: bytesOf(message.payload).toString('base64'),
    headers: message.headers ?? {},
  }));
  return sql`
    insert into outbox (msg_id, subject, payload, headers)
    select r.msg_id, r.subject, decode(r.payload, 'base64'), r.headers
    from rows from (json_to_recordset(${JSON.stringify(rows)}::json)
      as (msg_id text, subject text, payload text, headers jsonb)) with ordinality as r(msg_id, subject, payload, headers, n)
    order by r.n
    on conflict (msg_id) do nothing`;
}

/** A Buffer over the same memory (no copy), whatever Uint8Array view we got. */
function bytesOf(payload: Uint8Array): Buffer {
  return Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}
