import type { Kysely } from 'kysely';
import {
  readRunGrid,
  readRunViewRows,
  type Database,
  type InstanceCellCount,
  type RunViewRows,
} from '@tributary/event-store';
import type { GridCell, RunViewBody, StateCounts } from '@tributary/api-contract';
import { runOutcomeOf } from './run-outcome.js';

export type { GridCell, RunViewBody, StateCounts } from '@tributary/api-contract';

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());
/** Code-unit order, as the domain's `runViewOf` sorts. */
export const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The web UI's grid; null for a run neither in `runs` nor in the log. One statement (see readRunGrid). */
export async function readGrid(db: Kysely<Database>, runId: string): Promise<GridCell[] | null> {
  const rows = await readRunGrid(db, runId);
  return rows === null ? null : gridOf(rows);
}

/** Instances per (group, stage, state), folded into one cell per (group, stage). */
function gridOf(rows: InstanceCellCount[]): GridCell[] {
  const cells = new Map<string, GridCell>();
  for (const r of rows) {
    const key = `${r.groupPath ?? ''}\u0000${r.stage}`;
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = { group: r.groupPath, stage: r.stage, counts: {} }));
    cell.counts[r.state] = r.count;
  }
  return [...cells.values()].sort((a, b) => cmp(a.group ?? '', b.group ?? '') || cmp(a.stage, b.stage));
}

/**
 * The run summary and the run_seq of the last event it reflects, from one statement (one snapshot:
 * projections are updated in the same transaction as the append); null for an unknown run.
 */
export async function readRunView(
  db: Kysely<Database>,
  runId: string,
): Promise<{ view: RunViewBody; lastSeq: number } | null> {
  const rows = await readRunViewRows(db, runId);
  if (rows === null) return null;
  if (rows.kind === 'queued') return queuedView(rows.trigger);
  const { run, lastSeq, groups } = rows;
  const grid = gridOf(rows.cells);
  const byGroup = new Map<string, StateCounts>(groups.map((g) => [g.path, {}]));
  const byStage = new Map<string, StateCounts>();
  const perState: { state: string; group: string | null; n: number }[] = [];
  for (const cell of grid) {
    const stage = byStage.get(cell.stage) ?? {};
    byStage.set(cell.stage, stage);
    for (const [state, n] of Object.entries(cell.counts)) {
      add(stage, state, n);
      perState.push({ state, group: cell.group, n });
      // A group's counts include its nested groups': add to the group and each ancestor.
      for (let path = cell.group; path !== null; path = parentOf(path)) {
        const counts = byGroup.get(path);
        if (counts) add(counts, state, n);
      }
    }
  }
  const sortedGroups = groups
    .map((g) => ({ path: g.path, state: g.state, label: g.label, counts: byGroup.get(g.path)! }))
    .sort((a, b) => cmp(a.path, b.path));
  const outcome = runOutcomeOf(run.state, sortedGroups, perState);
  const view: RunViewBody = {
    run: {
      id: run.run_id,
      pipeline: run.pipeline_id,
      version: run.pipeline_version,
      state: run.state,
      params: run.params,
      createdAt: run.created_at.toISOString(),
      finishedAt: iso(run.finished_at),
      reason: run.reason,
      instances: perState.reduce((sum, c) => sum + c.n, 0),
      ...outcome,
    },
    groups: sortedGroups,
    stages: [...byStage.entries()]
      .map(([stage, counts]) => ({ stage, counts }))
      .sort((a, b) => cmp(a.stage, b.stage)),
  };
  return { view, lastSeq };
}

/**
 * A run the api accepted (202) that the planner has not taken yet: `queued`, from the api's receipt
 * (accepted_triggers). Once the planner takes the trigger its `runs` row (running, or rejected with
 * its reason) wins.
 */
function queuedView(accepted: Extract<RunViewRows, { kind: 'queued' }>['trigger']): {
  view: RunViewBody;
  lastSeq: number;
} {
  const view: RunViewBody = {
    run: {
      id: accepted.run_id,
      pipeline: accepted.pipeline_id,
      version: accepted.pipeline_version,
      state: 'queued',
      params: accepted.params,
      createdAt: accepted.accepted_at.toISOString(),
      finishedAt: null,
      reason: null,
      instances: 0,
      ...runOutcomeOf('queued', [], []),
    },
    groups: [],
    stages: [],
  };
  return { view, lastSeq: 0 };
}

function add(counts: StateCounts, state: string, n: number): void {
  counts[state] = (counts[state] ?? 0) + n;
}

/** `a=1/b=2` → `a=1`; a top-level group → null. Group keys never contain `/` (task-id.ts). */
function parentOf(path: string): string | null {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? null : path.slice(0, slash);
}
