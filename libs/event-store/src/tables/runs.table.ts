import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type { DefaultedTimestampColumn, JsonColumn, NullableTimestampColumn } from './column-types.js';

/** `runs`: projection of each run's current state. */
export interface RunsTable {
  run_id: string;
  pipeline_id: string;
  pipeline_version: number;
  state: string;
  params: JsonColumn;
  idempotency_key: string | null;
  trace_id: string | null;
  reason: string | null;
  created_at: DefaultedTimestampColumn;
  /** When the run took a `maxActiveRuns` slot (its first dispatch); null while it waits for one. */
  admitted_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  updated_at: DefaultedTimestampColumn;
  finished_at: NullableTimestampColumn;
}

export type RunRow = Selectable<RunsTable>;
export type NewRunRow = Insertable<RunsTable>;
export type RunRowUpdate = Updateable<RunsTable>;
