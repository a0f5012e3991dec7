import type { Insertable, Selectable } from 'kysely';
import type { BigSerialColumn, NullableJsonColumn, TimestampColumn } from './column-types.js';

/** `task_logs`: log lines of task attempts, read per (run, task, attempt) in insertion order. */
export interface TaskLogsTable {
  id: BigSerialColumn;
  run_id: string;
  task_id: string;
  attempt: number;
  at: TimestampColumn;
  level: string;
  message: string;
  fields: NullableJsonColumn;
}

export type TaskLogRow = Selectable<TaskLogsTable>;
export type NewTaskLogRow = Insertable<TaskLogsTable>;
