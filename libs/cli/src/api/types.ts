/** Shapes of the api's answers (DESIGN §7), as the CLI reads them. */

export interface RunViewTask {
  taskId: string;
  stage: string;
  group: string | null;
  mapIndex: number | null;
  /** The stage's `label:` for this map index; null (or absent from older apis) without one. */
  label?: string | null;
  state: string;
  attempt: number;
  /** Present when read with outputs (`runs show --json`, `GET /runs/:id/tasks?outputs=true`). */
  output?: unknown;
  error: { message?: string; type?: string; retryable?: boolean } | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/**
 * `GET /runs/:id` (run, groups, per-stage counts) with `tasks` from `GET /runs/:id/tasks` (all pages):
 * the shape `readFullRunView` assembles.
 */
export interface RunView {
  run: {
    id: string;
    pipeline: string;
    version: number;
    state: string;
    params: unknown;
    createdAt: string | null;
    finishedAt: string | null;
    reason?: string | null;
    /** A success with failed groups (api ≥ issue #9); absent from older apis. */
    partial?: boolean;
    counts?: Record<string, number>;
    failedGroups?: string[];
    /** Task instances in all. */
    instances?: number;
  };
  groups: { path: string; state: string; label?: string | null; counts?: Record<string, number> }[];
  stages?: { stage: string; counts: Record<string, number> }[];
  tasks: RunViewTask[];
}

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
