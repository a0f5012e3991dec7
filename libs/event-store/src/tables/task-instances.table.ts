import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type {
  DefaultedTimestampColumn,
  NullableJsonColumn,
  NullableTimestampColumn,
} from './column-types.js';

/** `task_instances`: projection of each task instance's state; the planner is its only writer. */
export interface TaskInstancesTable {
  run_id: string;
  task_id: string;
  stage: string;
  group_path: string | null;
  map_index: number | null;
  /** The stage's `label:` for this map index (migration 011). */
  label: ColumnType<string | null, string | null | undefined, string | null>;
  executor: string | null;
  /** The stage's pool, counted across runs and planner replicas while queued/running. */
  pool: ColumnType<string | null, string | null | undefined, string | null>;
  state: string;
  attempt: ColumnType<number, number | undefined, number>;
  output: NullableJsonColumn;
  error: NullableJsonColumn;
  next_retry_at: NullableTimestampColumn;
  queued_at: NullableTimestampColumn;
  started_at: NullableTimestampColumn;
  finished_at: NullableTimestampColumn;
  updated_at: DefaultedTimestampColumn;
}

export type TaskInstanceRow = Selectable<TaskInstancesTable>;
export type NewTaskInstanceRow = Insertable<TaskInstancesTable>;
export type TaskInstanceRowUpdate = Updateable<TaskInstancesTable>;
