import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { AffectedRecords, RunState } from '@tributary/domain';
import type { Database } from '../db/database.js';

/** Rows per statement: bounds one statement's JSON document. */
const CHUNK = 5000;
const json = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** One run's part of a commit: its evolved state and what the commit's events touched. */
export interface RunProjectionChange {
  state: RunState;
  affected: AffectedRecords;
  traceId?: string | null;
}

/**
 * Writes the `runs`, `groups` and `task_instances` rows a decision changed, from the state the domain's
 * `evolve` produced, inside the append's transaction (so projection and log commit together).
 */
export function writeRunProjection(
  trx: Transaction<Database>,
  state: RunState,
  affected: AffectedRecords,
  meta: { traceId?: string | null } = {},
): Promise<void> {
  return writeRunProjections(trx, [{ state, affected, traceId: meta.traceId ?? null }]);
}

/**
 * {@link writeRunProjection} for every run of one commit at once: at most one statement per table,
 * whatever the number of runs (the rows travel as one JSON document), so a commit that advances 500
 * small runs costs three statements, not 1 500.
 */
export async function writeRunProjections(
  trx: Transaction<Database>,
  changes: readonly RunProjectionChange[],
): Promise<void> {
  for (const statement of projectionWrites(changes)) await statement.execute(trx);
}

/** Whether {@link projectionWrites} deletes rows (then it may touch a row twice: keep its statements apart). */
export function projectionDeletes(changes: readonly RunProjectionChange[]): boolean {
  return changes.some((c) => c.affected.removedTaskIds.size > 0);
}

/**
 * The statements that write the projection rows of `changes`: upserts of `runs`, `groups` and
 * `task_instances` (`CHUNK` rows at most each: bounds one statement's JSON document) and the deletes of
 * removed instances. Nothing for a table without changed rows. Each may run alone or as a data-modifying
 * CTE of a larger statement.
 */
export function projectionWrites(changes: readonly RunProjectionChange[]): RawBuilder<unknown>[] {
  const chunk = CHUNK;
  const statements: RawBuilder<unknown>[] = [];
  const runs = changes
    .filter((c) => c.affected.run)
    .map(({ state: { run }, traceId }) => ({
      run_id: run.id,
      pipeline_id: run.pipelineId,
      pipeline_version: run.version,
      state: run.status,
      params: JSON.stringify(run.params ?? {}),
      idempotency_key: run.idempotencyKey,
      trace_id: traceId ?? null,
      reason: run.reason,
      created_at: iso(run.createdAt) ?? new Date(0).toISOString(),
      admitted_at: iso(run.admittedAt),
      finished_at: iso(run.finishedAt),
    }));
  for (const rows of chunks(runs, chunk)) {
    statements.push(sql`
      insert into runs (run_id, pipeline_id, pipeline_version, state, params, idempotency_key, trace_id, reason,
                        created_at, admitted_at, updated_at, finished_at)
      select r.run_id, r.pipeline_id, r.pipeline_version, r.state, r.params::jsonb, r.idempotency_key, r.trace_id,
             r.reason, r.created_at, r.admitted_at, now(), r.finished_at
      from json_to_recordset(${JSON.stringify(rows)}::json) as r(
        run_id text, pipeline_id text, pipeline_version int, state text, params text, idempotency_key text,
        trace_id text, reason text, created_at timestamptz, admitted_at timestamptz, finished_at timestamptz)
      on conflict (run_id) do update set
        state = excluded.state, reason = excluded.reason, finished_at = excluded.finished_at,
        admitted_at = excluded.admitted_at, updated_at = now(),
        trace_id = coalesce(runs.trace_id, excluded.trace_id)`);
  }

  const groups = changes.flatMap(({ state, affected }) =>
    [...affected.groupPaths]
      .map((path) => state.groups.get(path))
      .filter((g) => g !== undefined)
      .map((g) => ({
        run_id: state.run.id,
        path: g.path,
        block: g.blockPath,
        key: g.key,
        parent_path: g.parentPath,
        state: g.state,
        value: json(g.value),
        label: g.label,
      })),
  );
  for (const rows of chunks(groups, chunk)) {
    statements.push(sql`
      insert into groups (run_id, path, block, key, parent_path, state, value, label)
      select r.run_id, r.path, r.block, r.key, r.parent_path, r.state, r.value::jsonb, r.label
      from json_to_recordset(${JSON.stringify(rows)}::json)
        as r(run_id text, path text, block text, key text, parent_path text, state text, value text, label text)
      on conflict (run_id, path) do update set state = excluded.state`);
  }

  const tasks = changes.flatMap(({ state, affected }) =>
    [...affected.taskIds]
      .map((id) => state.tasks.get(id))
      .filter((t) => t !== undefined)
      .map((t) => {
        const node = state.index.node(t.stagePath);
        return {
          run_id: state.run.id,
          task_id: t.taskId,
          stage: t.stagePath,
          group_path: t.groupPath,
          map_index: t.mapIndex,
          label: t.label,
          executor: node.kind === 'task' ? node.executor : null,
          pool: node.kind === 'task' ? node.pool : null,
          state: t.state,
          attempt: t.attempt,
          output: json(t.output),
          error: json(t.error),
          next_retry_at: iso(t.retryAt),
          queued_at: iso(t.queuedAt),
          started_at: iso(t.startedAt),
          finished_at: iso(t.finishedAt),
        };
      }),
  );
  for (const rows of chunks(tasks, chunk)) {
    statements.push(sql`
      insert into task_instances (run_id, task_id, stage, group_path, map_index, label, executor, pool, state, attempt,
                                  output, error, next_retry_at, queued_at, started_at, finished_at)
      select r.run_id, r.task_id, r.stage, r.group_path, r.map_index, r.label, r.executor, r.pool, r.state, r.attempt,
             r.output::jsonb, r.error::jsonb, r.next_retry_at, r.queued_at, r.started_at, r.finished_at
      from json_to_recordset(${JSON.stringify(rows)}::json) as r(
        run_id text, task_id text, stage text, group_path text, map_index int, label text, executor text, pool text,
        state text, attempt int, output text, error text, next_retry_at timestamptz, queued_at timestamptz,
        started_at timestamptz, finished_at timestamptz)
      on conflict (run_id, task_id) do update set
        state = excluded.state, attempt = excluded.attempt, output = excluded.output, error = excluded.error,
        label = excluded.label, next_retry_at = excluded.next_retry_at, queued_at = excluded.queued_at,
        started_at = excluded.started_at, finished_at = excluded.finished_at, updated_at = now()`);
  }

  for (const { state, affected } of changes) {
    if (affected.removedTaskIds.size === 0) continue;
    statements.push(sql`
      delete from task_instances
      where run_id = ${state.run.id} and task_id = any(${[...affected.removedTaskIds]}::text[])`);
  }
  return statements;
}

function chunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
