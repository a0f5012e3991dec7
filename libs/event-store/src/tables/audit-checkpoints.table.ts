import type { ColumnType, Selectable } from 'kysely';

/** `audit_checkpoints`: the database's copy of each signed checkpoint (see 015-audit-checkpoints). */
export interface AuditCheckpointsTable {
  seq: number;
  created_at: ColumnType<Date, Date, never>;
  /** bigint, as a decimal string. */
  high_water_seq: ColumnType<string, string, never>;
  run_count: number;
  event_count: ColumnType<string, number, never>;
  runs_root: string;
  prev_hash: string;
  key_id: string;
  hash: string;
  signature: string;
}

/** `audit_checkpoint_heads`: a run's head at the checkpoint where it last changed. */
export interface AuditCheckpointHeadsTable {
  run_id: string;
  checkpoint_seq: number;
  last_run_seq: number;
  head_hash: string;
}

export type AuditCheckpointRow = Selectable<AuditCheckpointsTable>;
