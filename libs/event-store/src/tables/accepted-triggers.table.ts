import type { ColumnType } from 'kysely';
import type { DefaultedTimestampColumn } from './column-types.js';

/** `accepted_triggers` (migration 009): the api's receipt of a trigger it answered 202 for. */
export interface AcceptedTriggersTable {
  run_id: string;
  pipeline_id: string;
  pipeline_version: number;
  params: ColumnType<unknown, string, string>;
  actor: string;
  accepted_at: DefaultedTimestampColumn;
}
