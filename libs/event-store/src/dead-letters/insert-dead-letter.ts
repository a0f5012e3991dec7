import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';

/** A `dead_letters` row as the caller prepared it (text already made storable, payload already cut). */
export interface DeadLetterRow {
  /** The service that gave up (`planner`, `executor`, …). */
  service: string;
  stream: string;
  consumer: string;
  subject: string;
  streamSequence: number;
  deliveries: number;
  /** Why: the decode error, the handler's permanent failure, `max_deliver` reached. */
  reason: string;
  /** The error's class, when an error was the reason. */
  errorType: string | null;
  msgId: string | null;
  headers: Record<string, string>;
  payload: Buffer | null;
  /** The message's full size; null when the message is gone. */
  payloadBytes: number | null;
  publishedAt: Date | null;
}

/** Inserts one dead letter; a repeat (same message and consumer) is ignored. */
export async function insertDeadLetter(db: Kysely<Database>, row: DeadLetterRow): Promise<void> {
  await sql`
    insert into dead_letters
      (service, stream, consumer, subject, stream_seq, deliveries, reason, error_type, msg_id, headers,
       payload, payload_bytes, published_at)
    values (${row.service}, ${row.stream}, ${row.consumer}, ${row.subject},
            ${row.streamSequence}, ${row.deliveries}, ${row.reason},
            ${row.errorType}, ${row.msgId},
            ${JSON.stringify(row.headers)}::jsonb, ${row.payload}, ${row.payloadBytes},
            ${row.publishedAt})
    on conflict do nothing`.execute(db);
}
