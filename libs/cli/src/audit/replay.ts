import type { Kysely } from 'kysely';
import type { RunState } from '@tributary/domain';
import {
  canonicalJson,
  foldRun,
  hashedPayload,
  readRunEvents,
  readRunProjectionRows,
  type Database,
} from '@tributary/event-store';

/** Projected rows of one run, with comparable values (JSON values, times as ISO strings). */
export interface ProjectionSnapshot {
  run: Record<string, unknown> | null;
  groups: Map<string, Record<string, unknown>>;
  tasks: Map<string, Record<string, unknown>>;
}

/** One way the projection differs from the fold of the log. */
export interface ProjectionDifference {
  /** `run`, `group market=LU`, `task market=LU/retrieve[3]`. */
  record: string;
  /** The column, or null when the whole row is missing on one side. */
  field: string | null;
  /** What folding the log gives (undefined: no such row in the log). */
  log: unknown;
  /** What the projection holds (undefined: no such row). */
  projection: unknown;
}

export type ReplayResult =
  | { ok: true; runId: string; events: number; tasks: number; groups: number; state: string }
  | { ok: false; runId: string; events: number; differences: ProjectionDifference[]; state: string }
  | { ok: false; runId: string; events: 0; differences: []; state: 'unknown'; notFound: true };

const ms = (value: number | null): string | null => (value === null ? null : new Date(value).toISOString());
const dt = (value: Date | null): string | null => (value === null ? null : value.toISOString());

/**
 * What the projections must hold for a folded state: the same fields `writeRunProjection` writes
 * (minus bookkeeping like `updated_at` and `trace_id`).
 */
export function expectedProjection(state: RunState): ProjectionSnapshot {
  const run = state.run;
  const rejected = run.status === 'rejected';
  const groups = new Map<string, Record<string, unknown>>();
  for (const g of state.groups.values()) {
    groups.set(g.path, {
      block: g.blockPath,
      key: g.key,
      parent_path: g.parentPath,
      state: g.state,
      value: g.value ?? null,
      label: g.label,
    });
  }
  const tasks = new Map<string, Record<string, unknown>>();
  for (const t of state.tasks.values()) {
    const node = state.index.node(t.stagePath);
    tasks.set(t.taskId, {
      stage: t.stagePath,
      group_path: t.groupPath,
      map_index: t.mapIndex,
      label: t.label,
      executor: node.kind === 'task' ? node.executor : null,
      state: t.state,
      attempt: t.attempt,
      output: t.output ?? null,
      error: t.error ?? null,
      next_retry_at: ms(t.retryAt),
      queued_at: ms(t.queuedAt),
      started_at: ms(t.startedAt),
      finished_at: ms(t.finishedAt),
    });
  }
  return {
    // A rejected trigger's row is written outside the fold (with the rejection's own reason): compare its state only.
    run: rejected
      ? { state: 'rejected' }
      : {
          pipeline_id: run.pipelineId,
          pipeline_version: run.version,
          state: run.status,
          params: run.params ?? {},
          idempotency_key: run.idempotencyKey,
          reason: run.reason,
          created_at: ms(run.createdAt) ?? new Date(0).toISOString(),
          finished_at: ms(run.finishedAt),
        },
    groups,
    tasks,
  };
}

/** The run's rows in `runs`, `groups`, `task_instances`, as comparable values. */
export async function actualProjection(db: Kysely<Database>, runId: string): Promise<ProjectionSnapshot> {
  const { run: runRow, groups: groupRows, tasks: taskRows } = await readRunProjectionRows(db, runId);
  return {
    run: runRow
      ? {
          pipeline_id: runRow.pipeline_id,
          pipeline_version: runRow.pipeline_version,
          state: runRow.state,
          params: runRow.params ?? null,
          idempotency_key: runRow.idempotency_key,
          reason: runRow.reason,
          created_at: dt(runRow.created_at),
          finished_at: dt(runRow.finished_at),
        }
      : null,
    groups: new Map(
      groupRows.map((g) => [
        g.path,
        {
          block: g.block,
          key: g.key,
          parent_path: g.parent_path,
          state: g.state,
          value: g.value ?? null,
          label: g.label,
        },
      ]),
    ),
    tasks: new Map(
      taskRows.map((t) => [
        t.task_id,
        {
          stage: t.stage,
          group_path: t.group_path,
          map_index: t.map_index,
          label: t.label,
          executor: t.executor,
          state: t.state,
          attempt: t.attempt,
          output: t.output ?? null,
          error: t.error ?? null,
          next_retry_at: dt(t.next_retry_at),
          queued_at: dt(t.queued_at),
          started_at: dt(t.started_at),
          finished_at: dt(t.finished_at),
        },
      ]),
    ),
  };
}

/** Every difference between the fold of the log and the projection; empty when they agree. */
export function compareProjections(
  log: ProjectionSnapshot,
  projection: ProjectionSnapshot,
): ProjectionDifference[] {
  const differences: ProjectionDifference[] = [];
  const compareRows = (
    record: string,
    expected: Record<string, unknown> | undefined | null,
    actual: Record<string, unknown> | undefined | null,
  ) => {
    if (!expected || !actual) {
      if (expected || actual)
        differences.push({
          record,
          field: null,
          log: expected ?? undefined,
          projection: actual ?? undefined,
        });
      return;
    }
    for (const field of Object.keys(expected)) {
      if (canonicalJson(expected[field] ?? null) !== canonicalJson(actual[field] ?? null)) {
        differences.push({ record, field, log: expected[field] ?? null, projection: actual[field] ?? null });
      }
    }
  };
  compareRows('run', log.run, projection.run);
  for (const path of sortedUnion(log.groups, projection.groups)) {
    compareRows(`group ${path}`, log.groups.get(path), projection.groups.get(path));
  }
  for (const id of sortedUnion(log.tasks, projection.tasks)) {
    compareRows(`task ${id}`, log.tasks.get(id), projection.tasks.get(id));
  }
  return differences;
}

function sortedUnion(a: ReadonlyMap<string, unknown>, b: ReadonlyMap<string, unknown>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort();
}

/** `task market=LU/report.state: log says success, projection says failed`. */
export function formatDifference(d: ProjectionDifference): string {
  const show = (value: unknown) => (value === undefined ? 'no row' : canonicalJson(hashedPayload(value)));
  if (d.field === null) {
    return d.log === undefined
      ? `${d.record}: in the projection, but the log never created it`
      : `${d.record}: the log has it, the projection has no row`;
  }
  return `${d.record}.${d.field}: log says ${show(d.log)}, projection says ${show(d.projection)}`;
}

/**
 * Folds a run's events with the domain's `evolve` from `initialRunState(plan)` (the plan of the version
 * its TriggerAccepted pins) and compares the result with the projected rows (invariant 7).
 */
export async function replayRun(db: Kysely<Database>, runId: string): Promise<ReplayResult> {
  const events = await readRunEvents(db, runId);
  if (events.length === 0)
    return { ok: false, runId, events: 0, differences: [], state: 'unknown', notFound: true };
  const { state } = await foldRun(db, events);
  const differences = compareProjections(expectedProjection(state), await actualProjection(db, runId));
  const status = String(state.run.status);
  if (differences.length > 0) return { ok: false, runId, events: events.length, differences, state: status };
  return {
    ok: true,
    runId,
    events: events.length,
    tasks: state.tasks.size,
    groups: state.groups.size,
    state: status,
  };
}
