/** Task-instance states, as in Airflow (without `removed`, which Tributary never produces). */
export const TASK_STATES = [
  'pending',
  'scheduled',
  'queued',
  'running',
  'success',
  'failed',
  'up_for_retry',
  'upstream_failed',
  'skipped',
  'cancelled',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** States a downstream counts as "finished" when evaluating trigger rules (SEMANTICS.md). */
export type FinishedState = 'success' | 'failed' | 'upstream_failed' | 'skipped';

/** Terminal states: the instance will not change again unless an operator clears or marks it. */
export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'success',
  'failed',
  'upstream_failed',
  'skipped',
  'cancelled',
]);

/** Unfinished states (SEMANTICS "Run state"): a run with any of these is not done. */
export const UNFINISHED_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'pending',
  'scheduled',
  'queued',
  'running',
  'up_for_retry',
]);

export const isTerminal = (state: TaskState): boolean => TERMINAL_STATES.has(state);

/**
 * How a terminal state counts for a downstream's trigger rule. `cancelled` counts as `failed`,
 * the way Airflow counts a task an operator killed.
 */
export function asFinished(state: TaskState): FinishedState | null {
  switch (state) {
    case 'success':
    case 'failed':
    case 'upstream_failed':
    case 'skipped':
      return state;
    case 'cancelled':
      return 'failed';
    default:
      return null;
  }
}
