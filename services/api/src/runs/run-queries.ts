import { Inject, Injectable } from '@nestjs/common';
import type { Kysely, Transaction } from 'kysely';
import { toExportedEvent, toStoredEvent, type Database, type ExportedEvent } from '@tributary/event-store';
import type { Infrastructure } from '@tributary/runtime';
import { INFRASTRUCTURE } from '../tokens.js';
import { runOutcomeOf, type RunOutcome } from './run-outcome.js';

/** The run view of DESIGN §7, exactly: `GET /runs/:id`, the SSE snapshot. Times are ISO-8601 UTC. */
export interface RunViewBody {
  run: {
    id: string;
    pipeline: string;
    version: number;
    state: string;
    params: unknown;
    createdAt: string;
    finishedAt: string | null;
    /** Why the run was rejected or cancelled, when the planner recorded one. */
    reason: string | null;
  } & RunOutcome;
  groups: { path: string; state: string; label: string | null }[];
  tasks: {
    taskId: string;
    stage: string;
    group: string | null;
    mapIndex: number | null;
    label: string | null;
    state: string;
    attempt: number;
    output: unknown;
    error: unknown;
    startedAt: string | null;
    finishedAt: string | null;
  }[];
}

export const RUN_STATES = ['running', 'success', 'failed', 'cancelled', 'rejected'] as const;
/** Run states after which nothing happens unless an operator clears or marks a task. */
export const FINISHED_RUN_STATES: ReadonlySet<string> = new Set([
  'success',
  'failed',
  'cancelled',
  'rejected',
]);

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());
/** Code-unit order, as the domain's `runViewOf` sorts, so both views of a run compare equal. */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

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
      query = query.where('state', '=', 'success').where((eb) =>
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
      .execute((trx) => this.readView(trx, runId));
  }

  private async readView(
    trx: Transaction<Database>,
    runId: string,
  ): Promise<{ view: RunViewBody; lastSeq: number } | null> {
    const run = await trx.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
    if (!run) return this.queuedView(trx, runId);
    const head = await trx
      .selectFrom('run_streams')
      .select('last_seq')
      .where('run_id', '=', runId)
      .executeTakeFirst();
    const groups = await trx
      .selectFrom('groups')
      .select(['path', 'state', 'label'])
      .where('run_id', '=', runId)
      .execute();
    const tasks = await trx
      .selectFrom('task_instances')
      .select([
        'task_id',
        'stage',
        'group_path',
        'map_index',
        'label',
        'state',
        'attempt',
        'output',
        'error',
        'started_at',
        'finished_at',
      ])
      .where('run_id', '=', runId)
      .execute();
    const sortedGroups = groups
      .map((g) => ({ path: g.path, state: g.state, label: g.label }))
      .sort((a, b) => cmp(a.path, b.path));
    const outcome = runOutcomeOf(
      run.state,
      sortedGroups,
      tasks.map((t) => ({ state: t.state, group: t.group_path })),
    );
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
        ...outcome,
      },
      groups: sortedGroups,
      tasks: tasks
        .map((t) => ({
          taskId: t.task_id,
          stage: t.stage,
          group: t.group_path,
          mapIndex: t.map_index,
          label: t.label,
          state: t.state,
          attempt: t.attempt,
          output: t.output ?? null,
          error: t.error ?? null,
          startedAt: iso(t.started_at),
          finishedAt: iso(t.finished_at),
        }))
        .sort((a, b) => cmp(a.taskId, b.taskId)),
    };
    return { view, lastSeq: head?.last_seq ?? 0 };
  }

  /**
   * A run the api accepted (202) that the planner has not taken yet: `queued`, from the api's receipt
   * (accepted_triggers); null when there is none. Once the planner takes the trigger its `runs` row
   * (running, or rejected with its reason) wins.
   */
  private async queuedView(
    trx: Transaction<Database>,
    runId: string,
  ): Promise<{ view: RunViewBody; lastSeq: number } | null> {
    const accepted = await trx
      .selectFrom('accepted_triggers')
      .selectAll()
      .where('run_id', '=', runId)
      .executeTakeFirst();
    if (!accepted) return null;
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
        ...runOutcomeOf('queued', [], []),
      },
      groups: [],
      tasks: [],
    };
    return { view, lastSeq: 0 };
  }

  /** Whether the run exists in the projection or has any event. */
  async runExists(runId: string): Promise<boolean> {
    const run = await this.db
      .selectFrom('runs')
      .select('run_id')
      .where('run_id', '=', runId)
      .executeTakeFirst();
    if (run) return true;
    const head = await this.db
      .selectFrom('run_streams')
      .select('run_id')
      .where('run_id', '=', runId)
      .executeTakeFirst();
    return head !== undefined;
  }

  /** A page of the run's events with every field their hash covers (docs/audit.md), payloads in hashed form. */
  async events(runId: string, after: number, limit: number): Promise<ExportedEvent[]> {
    const rows = await this.db
      .selectFrom('event_log')
      .selectAll()
      .where('run_id', '=', runId)
      .where('run_seq', '>', after)
      .orderBy('run_seq')
      .limit(limit)
      .execute();
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
