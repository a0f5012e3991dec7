import type { Insertable, Selectable } from 'kysely';
import type {
  BigSerialColumn,
  DefaultedTimestampColumn,
  JsonColumn,
  TimestampColumn,
} from './column-types.js';

/**
 * `event_log`: the append-only truth. `seq` orders all events globally, `run_seq`
 * numbers one run's events gaplessly from 1, `prev_hash`/`hash` chain them per run.
 */
export interface EventLogTable {
  seq: BigSerialColumn;
  event_id: string;
  run_id: string;
  run_seq: number;
  type: string;
  task_id: string | null;
  attempt: number | null;
  payload: JsonColumn;
  actor: string | null;
  trace_id: string | null;
  occurred_at: TimestampColumn;
  recorded_at: DefaultedTimestampColumn;
  prev_hash: string;
  hash: string;
}

export type EventLogRow = Selectable<EventLogTable>;
export type NewEventLogRow = Insertable<EventLogTable>;
