import type { ColumnType, Selectable } from 'kysely';
import type { BigSerialColumn, DefaultedTimestampColumn, NullableTimestampColumn } from './column-types.js';

/** `dead_letters` (migration 006): messages a consumer gave up on, with where they came from and why. */
export interface DeadLettersTable {
  id: BigSerialColumn;
  recorded_at: DefaultedTimestampColumn;
  service: string;
  stream: string;
  consumer: string;
  subject: string;
  /** bigint: returned as text by pg. */
  stream_seq: ColumnType<string, number | string, number | string>;
  deliveries: number;
  reason: string;
  error_type: string | null;
  msg_id: string | null;
  headers: ColumnType<Record<string, string>, string | undefined, string>;
  payload: Buffer | null;
  payload_bytes: number | null;
  published_at: NullableTimestampColumn;
}

export type DeadLetterRow = Selectable<DeadLettersTable>;
