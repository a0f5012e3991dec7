import type { ColumnType, Selectable } from 'kysely';
import type { DefaultedTimestampColumn } from './column-types.js';

export interface FanInRunsTable {
  run_id: string;
  blocks_total: number;
  blocks_seen: ColumnType<number, number | undefined, number>;
  open_groups: ColumnType<number, number | undefined, number>;
  round: ColumnType<number, number | undefined, number>;
  armed: ColumnType<boolean, boolean | undefined, boolean>;
  updated_at: DefaultedTimestampColumn;
}

export interface FanInGroupsTable {
  run_id: string;
  path: string;
  block: string;
  state: string;
  last_run_seq: number;
}

export interface FanInBlocksTable {
  run_id: string;
  block: string;
  last_run_seq: number;
}

export type FanInRunRow = Selectable<FanInRunsTable>;
export type FanInGroupRow = Selectable<FanInGroupsTable>;
