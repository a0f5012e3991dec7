/** `POST /runs/:id/clear` body: selectors (exact ids, group paths, `*` patterns). */
export interface ClearRequest {
  taskIds: string[];
  /** Also clear what is downstream (default true). */
  downstream?: boolean;
  /** Only failed and upstream_failed instances (default false). */
  onlyFailed?: boolean;
  /** Only instances in these task states. */
  states?: string[];
  reason?: string;
  /** Answer what would be cleared, change nothing (default false). */
  dryRun?: boolean;
}

/** `POST /runs/:id/groups/retry` body. */
export interface GroupRetryRequest {
  /** A group path such as `market=GR` or `market=GR/lang=el`. */
  group: string;
  reason?: string;
  dryRun?: boolean;
}

/** `POST /runs/:id/cancel` body. */
export interface CancelRequest {
  reason: string;
}

/** `POST /runs/:id/mark` body. */
export interface MarkRequest {
  taskId: string;
  state: 'success' | 'failed' | 'skipped';
  reason?: string;
}

/** `POST /runs/:id/clear`: the task instances reset (or that would be, with `dryRun`). */
export interface ClearedAnswer {
  ok: true;
  dryRun: boolean;
  cleared: string[];
}

/** `POST /runs/:id/groups/retry`. */
export interface GroupRetriedAnswer extends ClearedAnswer {
  group: string;
}

/** `POST /runs/:id/cancel`: the task instances cancelled. */
export interface CancelledAnswer {
  ok: true;
  cancelled: string[];
}

/** `POST /runs/:id/mark`: the task instances marked. */
export interface MarkedAnswer {
  ok: true;
  marked: string[];
}
