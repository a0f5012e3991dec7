import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { AcceptedTriggerRow } from './accepted-triggers.js';
import type { GroupRow } from '../tables/groups.table.js';
import type { RunRow } from '../tables/runs.table.js';
import { cellsJson, toCellCounts, type CellJson } from './run-cells-json.js';
import type { InstanceCellCount } from './state-counts.js';

/** Everything the run view is built from, as one snapshot saw it. */
export type RunViewRows =
  | {
      kind: 'run';
      run: Pick<
        RunRow,
        | 'run_id'
        | 'pipeline_id'
        | 'pipeline_version'
        | 'state'
        | 'params'
        | 'created_at'
        | 'finished_at'
        | 'reason'
      >;
      /** The stream's last run_seq (0 without a stream head): the last event the counts reflect. */
      lastSeq: number;
      /** In path order. */
      groups: Pick<GroupRow, 'path' | 'state' | 'label'>[];
      /** The non-empty cells, in key order. */
      cells: InstanceCellCount[];
    }
  /** No `runs` row yet: the api's receipt of the trigger (the planner has not taken it). */
  | {
      kind: 'queued';
      trigger: Pick<
        AcceptedTriggerRow,
        'run_id' | 'pipeline_id' | 'pipeline_version' | 'params' | 'accepted_at'
      >;
    };

interface Row {
  run_id: string | null;
  pipeline_id: string | null;
  pipeline_version: number | null;
  state: string | null;
  params: unknown;
  created_at: Date | null;
  finished_at: Date | null;
  reason: string | null;
  last_seq: number;
  groups: [path: string, state: string, label: string | null][];
  cells: CellJson[];
  queued_run_id: string | null;
  queued_pipeline_id: string | null;
  queued_pipeline_version: number | null;
  queued_params: unknown;
  accepted_at: Date | null;
}

/**
 * The run row, its stream head, groups and cell counts — or, without a run row, the accepted trigger —
 * in ONE statement: one round trip (each waits to be scheduled while a big run keeps Postgres busy)
 * and one snapshot, so lastSeq and the counts agree without a repeatable-read transaction.
 * Timestamps and params stay plain columns (pg's own parsing, as a `selectAll` would give them);
 * only text and integers travel as json. Null when neither exists.
 */
export async function readRunViewRows(db: Kysely<Database>, runId: string): Promise<RunViewRows | null> {
  const { rows } = await sql<Row>`
    select r.run_id, r.pipeline_id, r.pipeline_version, r.state, r.params, r.created_at, r.finished_at,
           r.reason,
           coalesce((select s.last_seq from run_streams s where s.run_id = r.run_id), 0) as last_seq,
           (select coalesce(json_agg(json_build_array(g.path, g.state, g.label) order by g.path), '[]')
            from groups g where g.run_id = r.run_id) as groups,
           ${cellsJson(sql.ref('r.run_id'))} as cells,
           a.run_id as queued_run_id, a.pipeline_id as queued_pipeline_id,
           a.pipeline_version as queued_pipeline_version, a.params as queued_params, a.accepted_at
    from (select ${runId}::text as id) as k
    left join runs r on r.run_id = k.id
    left join accepted_triggers a on r.run_id is null and a.run_id = k.id`.execute(db);
  const row = rows[0]!;
  if (row.run_id !== null) {
    return {
      kind: 'run',
      run: {
        run_id: row.run_id,
        pipeline_id: row.pipeline_id!,
        pipeline_version: row.pipeline_version!,
        state: row.state!,
        params: row.params,
        created_at: row.created_at!,
        finished_at: row.finished_at,
        reason: row.reason,
      },
      lastSeq: row.last_seq,
      groups: row.groups.map(([path, state, label]) => ({ path, state, label })),
      cells: toCellCounts(row.cells),
    };
  }
  if (row.queued_run_id === null) return null;
  return {
    kind: 'queued',
    trigger: {
      run_id: row.queued_run_id,
      pipeline_id: row.queued_pipeline_id!,
      pipeline_version: row.queued_pipeline_version!,
      params: row.queued_params,
      accepted_at: row.accepted_at!,
    },
  };
}
