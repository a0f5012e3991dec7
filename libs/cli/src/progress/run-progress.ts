import { FAILED_TASK_STATES, TERMINAL_TASK_STATES, type RunView, type RunViewTask } from '../api/types.js';

/** The progress of one group (with its nested groups) or of one top-level task. */
export interface ProgressEntry {
  /** `market=LU`, or the task id of a task outside any group (`consolidate`). */
  label: string;
  /** Task instances in a terminal state. */
  done: number;
  total: number;
  /** The group's state, or the top-level task's state. */
  state: string;
  /** Terminal instances that failed (failed, upstream_failed, cancelled). */
  failed: number;
}

/**
 * One entry per group, in the view's order, counting the tasks in it and in its nested groups, then one
 * per task outside any group (a `prepare` stage, the consolidation). Totals grow while maps expand.
 */
export function runProgress(view: RunView): ProgressEntry[] {
  // The api counts each group's instances (nested groups included): no need to list them.
  const entries: ProgressEntry[] = view.groups.map((group) => ({
    label: group.path,
    state: group.state,
    ...fromCounts(group.counts),
  }));
  for (const task of view.tasks.filter((t) => t.group === null)) {
    entries.push({ label: task.taskId, state: task.state, ...counts([task]) });
  }
  return entries;
}

function fromCounts(byState: Record<string, number>): { done: number; total: number; failed: number } {
  let done = 0;
  let failed = 0;
  let total = 0;
  for (const [state, n] of Object.entries(byState)) {
    total += n;
    if (TERMINAL_TASK_STATES.has(state)) done += n;
    if (FAILED_TASK_STATES.has(state)) failed += n;
  }
  return { done, total, failed };
}

function counts(tasks: readonly RunViewTask[]): { done: number; total: number; failed: number } {
  let done = 0;
  let failed = 0;
  for (const task of tasks) {
    if (TERMINAL_TASK_STATES.has(task.state)) done += 1;
    if (FAILED_TASK_STATES.has(task.state)) failed += 1;
  }
  return { done, total: tasks.length, failed };
}

/** `market=LU success 5/5`, with ` (1 failed)` when some instances failed. */
export function progressLine(entry: ProgressEntry): string {
  const failed = entry.failed > 0 ? ` (${entry.failed} failed)` : '';
  return `${entry.label} ${entry.state} ${entry.done}/${entry.total}${failed}`;
}

/** Every progress line of a view (the plain-text rendering, without a terminal). */
export function progressLines(view: RunView): string[] {
  return runProgress(view).map(progressLine);
}

/**
 * The lines to print for a new view in plain mode: those that changed since `previous` (label → line),
 * which this updates.
 */
export function changedProgressLines(view: RunView, previous: Map<string, string>): string[] {
  const out: string[] = [];
  for (const entry of runProgress(view)) {
    const line = progressLine(entry);
    if (previous.get(entry.label) !== line) {
      previous.set(entry.label, line);
      out.push(line);
    }
  }
  return out;
}

/** The failed task instances of a view, with their errors: what to show when a run failed. */
export function failureLines(view: RunView, max = 10): string[] {
  const failed = view.tasks.filter((t) => t.state === 'failed' || t.state === 'cancelled');
  // The view may list only some of them (readProgressView): the run's counts say how many there are.
  const counts = view.run.counts;
  const failedCount = (counts.failed ?? 0) + (counts.cancelled ?? 0);
  const lines = failed.slice(0, max).map((t) => {
    const message = t.error?.message ? `: ${t.error.message.split('\n')[0]}` : '';
    return `  ${t.taskId} ${t.state} (attempt ${t.attempt})${message}`;
  });
  if (failedCount > max) lines.push(`  … and ${failedCount - max} more`);
  const upstream = counts.upstream_failed ?? 0;
  if (upstream > 0) lines.push(`  ${upstream} task instance(s) upstream_failed`);
  return lines;
}
