import { sql, type Transaction } from 'kysely';
import type { AffectedRecords, RunState } from '@tributary/domain';
import type { Database } from '../db/database.js';

const CHUNK = 5000;
const json = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);
const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * Writes the `runs`, `groups` and `task_instances` rows a decision changed, from the state the domain's
 * `evolve` produced, inside the append's transaction (so projection and log commit together).
 */
export async function writeRunProjection(
  trx: Transaction<Database>,
  state: RunState,
  affected: AffectedRecords,
  meta: { traceId?: string | null } = {},
): Promise<void> {
  const runId = state.run.id;
  if (affected.run) {
    const run = state.run;
    const row = {
      run_id: runId,
      pipeline_id: run.pipelineId,
      pipeline_version: run.version,
      state: run.status,
      params: JSON.stringify(run.params ?? {}),
      idempotency_key: run.idempotencyKey,
      trace_id: meta.traceId ?? null,
      reason: run.reason,
      created_at: date(run.createdAt) ?? new Date(0),
      admitted_at: date(run.admittedAt),
      updated_at: sql<Date>`now()`,
      finished_at: date(run.finishedAt),
    };
    await trx
      .insertInto('runs')
      .values(row as never)
      .onConflict((oc) =>
        oc.column('run_id').doUpdateSet({
          state: (eb) => eb.ref('excluded.state'),
          reason: (eb) => eb.ref('excluded.reason'),
          finished_at: (eb) => eb.ref('excluded.finished_at'),
          admitted_at: (eb) => eb.ref('excluded.admitted_at'),
          updated_at: sql<Date>`now()`,
          trace_id: sql<string | null>`coalesce(runs.trace_id, excluded.trace_id)`,
        }),
      )
      .execute();
  }
  const groups = [...affected.groupPaths].map((path) => state.groups.get(path)!).filter(Boolean);
  for (let i = 0; i < groups.length; i += CHUNK) {
    const rows = groups.slice(i, i + CHUNK).map((g) => ({
      path: g.path,
      block: g.blockPath,
      key: g.key,
      parent_path: g.parentPath,
      state: g.state,
      value: json(g.value),
    }));
    // Set-based: the rows travel as one JSON document, not 7 bind parameters per row.
    await sql`
      insert into groups (run_id, path, block, key, parent_path, state, value)
      select ${runId}, r.path, r.block, r.key, r.parent_path, r.state, r.value::jsonb
      from json_to_recordset(${JSON.stringify(rows)}::json)
        as r(path text, block text, key text, parent_path text, state text, value text)
      on conflict (run_id, path) do update set state = excluded.state`.execute(trx);
  }
  const tasks = [...affected.taskIds].map((id) => state.tasks.get(id)!).filter(Boolean);
  for (let i = 0; i < tasks.length; i += CHUNK) {
    const rows = tasks.slice(i, i + CHUNK).map((t) => {
      const node = state.index.node(t.stagePath);
      return {
        task_id: t.taskId,
        stage: t.stagePath,
        group_path: t.groupPath,
        map_index: t.mapIndex,
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
    });
    await sql`
      insert into task_instances (run_id, task_id, stage, group_path, map_index, executor, pool, state, attempt,
                                  output, error, next_retry_at, queued_at, started_at, finished_at)
      select ${runId}, r.task_id, r.stage, r.group_path, r.map_index, r.executor, r.pool, r.state, r.attempt,
             r.output::jsonb, r.error::jsonb, r.next_retry_at, r.queued_at, r.started_at, r.finished_at
      from json_to_recordset(${JSON.stringify(rows)}::json) as r(
        task_id text, stage text, group_path text, map_index int, executor text, pool text, state text,
        attempt int, output text, error text, next_retry_at timestamptz, queued_at timestamptz,
        started_at timestamptz, finished_at timestamptz)
      on conflict (run_id, task_id) do update set
        state = excluded.state, attempt = excluded.attempt, output = excluded.output, error = excluded.error,
        next_retry_at = excluded.next_retry_at, queued_at = excluded.queued_at,
        started_at = excluded.started_at, finished_at = excluded.finished_at, updated_at = now()`.execute(trx);
  }
  if (affected.removedTaskIds.size > 0) {
    await trx
      .deleteFrom('task_instances')
      .where('run_id', '=', runId)
      .where('task_id', 'in', [...affected.removedTaskIds])
      .execute();
  }
}
