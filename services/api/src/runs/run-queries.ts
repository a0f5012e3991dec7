import { INFRASTRUCTURE } from '@tributary/runtime';
import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { toExportedEvent, toStoredEvent, type Database, type ExportedEvent } from '@tributary/event-store';
import type { Infrastructure } from '@tributary/runtime';
import {
  instancePage,
  oneInstance,
  type InstanceFilter,
  type InstancePage,
  type RunInstance,
} from './run-instances.js';
import { gridOf, readRunView, type GridCell, type RunViewBody } from './run-view.js';

export type { RunViewBody } from './run-view.js';

export const RUN_STATES = ['running', 'success', 'failed', 'cancelled', 'rejected'] as const;
/** Run states after which nothing happens unless an operator clears or marks a task. */
export const FINISHED_RUN_STATES: ReadonlySet<string> = new Set([
  'success',
  'failed',
  'cancelled',
  'rejected',
]);

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

/** Reads the projections (runs, groups, task_instances), the event log and task logs. */
@Injectable()
export class RunQueries {
  private readonly db: Kysely<Database>;

  constructor(@Inject(INFRASTRUCTURE) infra: Infrastructure) {
    this.db = infra.db;
  }

  async listRuns(filter: { pipeline?: string; state?: string; partial?: boolean; limit: number }) {
    let query = this.db
      .selectFrom('runs')
      .select(['run_id', 'pipeline_id', 'pipeline_version', 'state', 'created_at', 'finished_at'])
      .orderBy('created_at', 'desc')
      .orderBy('run_id', 'desc')
      .limit(filter.limit);
    if (filter.pipeline !== undefined) query = query.where('pipeline_id', '=', filter.pipeline);
    if (filter.state !== undefined) query = query.where('state', '=', filter.state);
    if (filter.partial === true) {
      // Same rule as runOutcomeOf: a success with a failed group or a failed/upstream_failed instance.
      query = query
        .where('state', '=', 'success')
        .where((eb) =>
          eb.or([
            eb.exists(
              eb
                .selectFrom('task_instances as t')
                .select('t.task_id')
                .whereRef('t.run_id', '=', 'runs.run_id')
                .where('t.state', 'in', ['failed', 'upstream_failed']),
            ),
            eb.exists(
              eb
                .selectFrom('groups as g')
                .select('g.path')
                .whereRef('g.run_id', '=', 'runs.run_id')
                .where('g.state', '=', 'failed'),
            ),
          ]),
        );
    }
    const rows = await query.execute();
    return rows.map((r) => ({
      id: r.run_id,
      pipeline: r.pipeline_id,
      version: r.pipeline_version,
      state: r.state,
      createdAt: r.created_at.toISOString(),
      finishedAt: iso(r.finished_at),
    }));
  }

  /**
   * The run view and the run_seq of the last event it reflects, read in one repeatable-read
   * snapshot (projections are updated in the same transaction as the append); null for an unknown run.
   */
  async runView(runId: string): Promise<{ view: RunViewBody; lastSeq: number } | null> {
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute((trx) => readRunView(trx, runId));
  }

  /** Instances per group × stage × state (the web UI's grid); null for an unknown run. */
  async grid(runId: string): Promise<GridCell[] | null> {
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (trx) => ((await this.runExists(runId, trx)) ? gridOf(trx, runId) : null));
  }

  /** A page of the run's instances (no outputs unless asked). */
  async instances(runId: string, filter: InstanceFilter): Promise<InstancePage> {
    return instancePage(this.db, runId, filter);
  }

  /** One instance with its output. */
  async instance(runId: string, taskId: string): Promise<RunInstance | null> {
    return oneInstance(this.db, runId, taskId);
  }

  /** Whether the run exists in the projection or has any event. */
  async runExists(runId: string, db: Kysely<Database> = this.db): Promise<boolean> {
    const run = await db.selectFrom('runs').select('run_id').where('run_id', '=', runId).executeTakeFirst();
    if (run) return true;
    const head = await db
      .selectFrom('run_streams')
      .select('run_id')
      .where('run_id', '=', runId)
      .executeTakeFirst();
    return head !== undefined;
  }

  /** A page of the run's events with every field their hash covers (docs/audit.md), payloads in hashed form. */
  async events(
    runId: string,
    after: number,
    limit: number,
    only: { taskId?: string | undefined; type?: string | undefined } = {},
  ): Promise<ExportedEvent[]> {
    let query = this.db
      .selectFrom('event_log')
      .selectAll()
      .where('run_id', '=', runId)
      .where('run_seq', '>', after);
    if (only.taskId !== undefined) query = query.where('task_id', '=', only.taskId);
    if (only.type !== undefined) query = query.where('type', '=', only.type);
    const rows = await query.orderBy('run_seq').limit(limit).execute();
    return rows.map((row) => toExportedEvent(toStoredEvent(row)));
  }

  async taskExists(runId: string, taskId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('task_instances')
      .select('task_id')
      .where('run_id', '=', runId)
      .where('task_id', '=', taskId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async logs(runId: string, taskId: string, attempt: number | undefined, limit: number) {
    let query = this.db
      .selectFrom('task_logs')
      .select(['attempt', 'at', 'level', 'message', 'fields'])
      .where('run_id', '=', runId)
      .where('task_id', '=', taskId)
      .orderBy('attempt')
      .orderBy('id')
      .limit(limit);
    if (attempt !== undefined) query = query.where('attempt', '=', attempt);
    const rows = await query.execute();
    return rows.map((r) => ({
      attempt: r.attempt,
      at: r.at.toISOString(),
      level: r.level,
      message: r.message,
      fields: r.fields ?? null,
    }));
  }
}
