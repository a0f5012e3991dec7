/**
 * How each task-instance state looks, in Airflow's colours (what its users read at a glance), in the
 * order a stacked bar draws them: finished states first, then those still moving. A unit test checks the
 * list against the domain's TASK_STATES.
 */
export const TASK_STATE_STYLES = {
  success: { color: '#1a7f37', label: 'success' },
  failed: { color: '#cf222e', label: 'failed' },
  upstream_failed: { color: '#e36209', label: 'upstream failed' },
  skipped: { color: '#d63fa6', label: 'skipped' },
  cancelled: { color: '#6e7781', label: 'cancelled' },
  up_for_retry: { color: '#bf8700', label: 'up for retry' },
  running: { color: '#2ea043', label: 'running' },
  queued: { color: '#8c959f', label: 'queued' },
  scheduled: { color: '#b08a5a', label: 'scheduled' },
  pending: { color: '#d0d7de', label: 'pending' },
} as const;

export type TaskStateName = keyof typeof TASK_STATE_STYLES;

export const TASK_STATE_ORDER = Object.keys(TASK_STATE_STYLES) as TaskStateName[];

export function stateColor(state: string): string {
  return (TASK_STATE_STYLES as Record<string, { color: string }>)[state]?.color ?? '#d0d7de';
}

/** Run states (`GET /runs?state=`). */
export const RUN_STATES = ['running', 'success', 'failed', 'cancelled', 'rejected'] as const;

/** The state a cell shows for its counts: the worst of what it holds, like Airflow's summary square. */
export function summaryState(counts: Record<string, number>): string {
  for (const state of [
    'failed',
    'upstream_failed',
    'up_for_retry',
    'running',
    'queued',
    'scheduled',
    'pending',
    'cancelled',
    'skipped',
    'success',
  ])
    if ((counts[state] ?? 0) > 0) return state;
  return 'pending';
}

export function total(counts: Record<string, number>): number {
  let sum = 0;
  for (const n of Object.values(counts)) sum += n;
  return sum;
}
