import type { RunOutcome } from '@tributary/api-contract';

/** Task states that make a finished run's outcome partial (the run state itself stays Airflow's). */
const FAILED_TASK_STATES: ReadonlySet<string> = new Set(['failed', 'upstream_failed']);

/**
 * What a run's outcome hides behind its (leaf-rule) state. A *failed group* is a group whose state
 * is `failed`, or that directly holds a task instance in `failed` or `upstream_failed`. A run is
 * `partial` when its state is `success` and it has at least one such instance or group.
 */
export function runOutcomeOf(
  runState: string,
  groups: readonly { path: string; state: string }[],
  /** Instances (or `n` instances of one state in one group, as the aggregate query gives them). */
  tasks: readonly { state: string; group: string | null; n?: number }[],
): RunOutcome {
  const counts: Record<string, number> = {};
  const failed = new Set<string>();
  let failedTasks = 0;
  for (const t of tasks) {
    const n = t.n ?? 1;
    counts[t.state] = (counts[t.state] ?? 0) + n;
    if (FAILED_TASK_STATES.has(t.state)) {
      failedTasks += n;
      if (t.group !== null) failed.add(t.group);
    }
  }
  for (const g of groups) if (g.state === 'failed') failed.add(g.path);
  const failedGroups = [...failed].sort();
  return {
    partial: runState === 'success' && (failedTasks > 0 || failedGroups.length > 0),
    counts,
    failedGroups,
  };
}
