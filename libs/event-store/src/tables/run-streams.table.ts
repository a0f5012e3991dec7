import type { Selectable } from 'kysely';

/**
 * `run_streams`: one head row per run. Appenders lock it (FOR UPDATE) to
 * serialise writers of a run, then advance `last_seq` and `last_hash`.
 */
export interface RunStreamsTable {
  run_id: string;
  last_seq: number;
  last_hash: string;
}

export type RunStreamRow = Selectable<RunStreamsTable>;
