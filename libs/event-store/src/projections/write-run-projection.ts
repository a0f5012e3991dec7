import { sql, type Transaction } from 'kysely';
import type { AffectedRecords, RunState } from '@tributary/domain';
import type { Database } from '../db/database.js';
import type { NewTaskInstanceRow } from '../tables/task-instances.table.js';

const CHUNK = 500;
const json = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);
const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

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
      run_id: runId,
      path: g.path,
      block: g.blockPath,
      key: g.key,
      parent_path: g.parentPath,
      state: g.state,
      value: json(g.value),
    }));
    await trx
      .insertInto('groups')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['run_id', 'path']).doUpdateSet({ state: (eb) => eb.ref('excluded.state') }),
      )
      .execute();
  }
  const tasks = [...affected.taskIds].map((id) => state.tasks.get(id)!).filter(Boolean);
  for (let i = 0; i < tasks.length; i += CHUNK) {
    const rows: NewTaskInstanceRow[] = tasks.slice(i, i + CHUNK).map((t) => {
      const node = state.index.node(t.stagePath);
      return {
        run_id: runId,
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
        next_retry_at: date(t.retryAt),
        queued_at: date(t.queuedAt),
        started_at: date(t.startedAt),
        finished_at: date(t.finishedAt),
      };
    });
    await trx
      .insertInto('task_instances')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['run_id', 'task_id']).doUpdateSet({
          state: (eb) => eb.ref('excluded.state'),
          attempt: (eb) => eb.ref('excluded.attempt'),
          output: (eb) => eb.ref('excluded.output'),
          error: (eb) => eb.ref('excluded.error'),
          next_retry_at: (eb) => eb.ref('excluded.next_retry_at'),
          queued_at: (eb) => eb.ref('excluded.queued_at'),
          started_at: (eb) => eb.ref('excluded.started_at'),
          finished_at: (eb) => eb.ref('excluded.finished_at'),
          updated_at: sql<Date>`now()`,
        }),
      )
      .execute();
  }
  if (affected.removedTaskIds.size > 0) {
    await trx
      .deleteFrom('task_instances')
      .where('run_id', '=', runId)
      .where('task_id', 'in', [...affected.removedTaskIds])
      .execute();
  }
}
