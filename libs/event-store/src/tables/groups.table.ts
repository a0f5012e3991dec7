import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type { NullableJsonColumn } from './column-types.js';

/** `groups`: projection of each group of a run (`market=LU`, `market=LU/lang=fr`). */
export interface GroupsTable {
  run_id: string;
  path: string;
  block: string;
  key: string;
  parent_path: string | null;
  state: string;
  value: NullableJsonColumn;
  /** The block's `label:` for this group (migration 011). */
  label: ColumnType<string | null, string | null | undefined, string | null>;
}

export type GroupRow = Selectable<GroupsTable>;
export type NewGroupRow = Insertable<GroupsTable>;
export type GroupRowUpdate = Updateable<GroupsTable>;
