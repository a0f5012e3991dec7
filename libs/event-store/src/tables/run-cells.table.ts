import type { Selectable } from 'kysely';

/**
 * `run_cells`: a run's task instances counted per (group, stage, state), kept by triggers on
 * `task_instances` (migration 016); the grid and the run view read it instead of counting instances.
 */
export interface RunCellsTable {
  run_id: string;
  /** '' for instances outside any group. */
  group_path: string;
  stage: string;
  state: string;
  n: number;
}

export type RunCellRow = Selectable<RunCellsTable>;
