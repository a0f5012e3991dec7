import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { BigSerialColumn, DefaultedTimestampColumn, NullableTimestampColumn } from './column-types.js';

/** `outbox`: messages written with a state change, published to NATS after commit. */
export interface OutboxTable {
  id: BigSerialColumn;
  msg_id: string;
  subject: string;
  payload: ColumnType<Buffer, Buffer, Buffer>;
  headers: ColumnType<Record<string, string>, string | undefined, string>;
  created_at: DefaultedTimestampColumn;
  published_at: NullableTimestampColumn;
}

export type OutboxRow = Selectable<OutboxTable>;
export type NewOutboxRow = Insertable<OutboxTable>;
