/** Shapes of the api's answers (DESIGN §7), as the CLI reads them: the api's own contract where it has one. */
import type { RunViewBody, TaskInstanceView } from '@tributary/api-contract';

/** One task instance as the api shows it. */
export type RunViewTask = TaskInstanceView;

/**
 * `GET /runs/:id` (run, groups, per-stage counts) with `tasks` from `GET /runs/:id/tasks` (all pages):
 * the shape `readFullRunView` assembles.
 */
export type RunView = RunViewBody & { tasks: TaskInstanceView[] };

/** A row of `GET /runs`. */
export interface RunSummary {
  id: string;
  pipeline: string;
  version: number;
  state: string;
  createdAt: string | null;
  finishedAt: string | null;
  [key: string]: unknown;
}

/** A row of `GET /pipelines`. */
export interface PipelineSummary {
  id: string;
  version: number;
  createdAt?: string | null;
  description?: string | null;
  [key: string]: unknown;
}

/** Run states after which a run changes only when an operator acts. */
export const FINISHED_RUN_STATES: ReadonlySet<string> = new Set([
  'success',
  'failed',
  'cancelled',
  'rejected',
]);

/** Task states that will not change on their own. */
export const TERMINAL_TASK_STATES: ReadonlySet<string> = new Set([
  'success',
  'failed',
  'upstream_failed',
  'skipped',
  'cancelled',
]);

/** Task states that count as a failure. */
export const FAILED_TASK_STATES: ReadonlySet<string> = new Set(['failed', 'upstream_failed', 'cancelled']);

/** Lists come back either bare or wrapped (`{runs: […]}`, `{items: […]}`); this reads both. */
export function listOf<T>(body: unknown, key: string): T[] {
  if (Array.isArray(body)) return body as T[];
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    for (const k of [key, 'items', 'data']) if (Array.isArray(record[k])) return record[k] as T[];
  }
  return [];
}
