import { INFRASTRUCTURE } from '@tributary/runtime';
import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import {
  listRunRows,
  readEventPage,
  readTaskLogs,
  runIsKnown,
  taskInstanceExists,
  toExportedEvent,
  type Database,
  type EventPageFilter,
  type ExportedEvent,
} from '@tributary/event-store';
import type { Infrastructure } from '@tributary/runtime';
import {
  instancePage,
  oneInstance,
  type InstanceFilter,
  type InstancePage,
  type RunInstance,
} from './run-instances.js';
import { readGrid, readRunView, type GridCell, type RunViewBody } from './run-view.js';

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

  async listRuns(filter: {
    pipeline?: string;
    state?: string;
    partial?: boolean;
    since?: Date;
    until?: Date;
    limit: number;
  }) {
    // `partial`: the same rule as runOutcomeOf (a success with a failed group or instance).
    const rows = await listRunRows(this.db, {
      pipelineId: filter.pipeline,
      state: filter.state,
      partial: filter.partial,
      since: filter.since,
      until: filter.until,
      limit: filter.limit,
    });
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
   * The run view and the run_seq of the last event it reflects, read by one statement, so from one
   * snapshot (projections are updated in the same transaction as the append); null for an unknown run.
   */
  async runView(runId: string): Promise<{ view: RunViewBody; lastSeq: number } | null> {
    return readRunView(this.db, runId);
  }

  /** Instances per group × stage × state (the web UI's grid); null for an unknown run. One statement. */
  async grid(runId: string): Promise<GridCell[] | null> {
    return readGrid(this.db, runId);
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
  async runExists(runId: string): Promise<boolean> {
    return runIsKnown(this.db, runId);
  }

  /** A page of the run's events with every field their hash covers (docs/audit.md), payloads in hashed form. */
  async events(
    runId: string,
    after: number,
    limit: number,
    only: EventPageFilter = {},
  ): Promise<ExportedEvent[]> {
    const events = await readEventPage(this.db, runId, after, limit, only);
    return events.map((event) => toExportedEvent(event));
  }

  async taskExists(runId: string, taskId: string): Promise<boolean> {
    return taskInstanceExists(this.db, runId, taskId);
  }

  async logs(runId: string, taskId: string, attempt: number | undefined, limit: number) {
    const rows = await readTaskLogs(this.db, runId, taskId, attempt, limit);
    return rows.map((r) => ({
      attempt: r.attempt,
      at: r.at.toISOString(),
      level: r.level,
      message: r.message,
      fields: r.fields ?? null,
    }));
  }
}
