/** Task instances per state, e.g. `{success: 9, failed: 1}`. */
export type StateCounts = Record<string, number>;

/** What a run's outcome hides behind its (leaf-rule) state (see the api's `runOutcomeOf`). */
export interface RunOutcome {
  /** A `success` with at least one failed group or failed / upstream_failed instance. */
  partial: boolean;
  /** Task instances per state. */
  counts: StateCounts;
  /** Paths of the failed groups (e.g. `region=eu`), sorted. */
  failedGroups: string[];
}

/**
 * `GET /runs/:id` and the SSE snapshot: the run, its groups and aggregates — never its instances or
 * outputs (those are paged: `GET /runs/:id/tasks`), so the answer stays small for a run of 100 000
 * instances. Times are ISO-8601 UTC.
 */
export interface RunViewBody {
  run: {
    id: string;
    pipeline: string;
    version: number;
    state: string;
    params: unknown;
    createdAt: string;
    finishedAt: string | null;
    /** Why the run was rejected, cancelled or failed, when the planner recorded one. */
    reason: string | null;
    /** Task instances in all (the sum of `counts`). */
    instances: number;
  } & RunOutcome;
  /** Every group, sorted by path; `counts` covers its instances and those of its nested groups. */
  groups: { path: string; state: string; label: string | null; counts: StateCounts }[];
  /** Per stage path (over every group): instances per state, sorted by stage. */
  stages: { stage: string; counts: StateCounts }[];
}

/** One cell of `GET /runs/:id/grid`: the instances of one stage directly in one group (null = outside any). */
export interface GridCell {
  group: string | null;
  stage: string;
  counts: StateCounts;
}
