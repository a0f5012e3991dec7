import type { RunState } from './run-state.js';

/**
 * The run-wide cap on task instances (`limits.maxTaskInstances`): `maxMapLength` bounds one list, but
 * nested group blocks × maps multiply, so every expansion is also checked against the run's total.
 * Returns why the expansion is refused, or null when it fits.
 */
export function instanceCapProblem(state: RunState, adding: number, what: string): string | null {
  const max = state.plan.spec.limits.maxTaskInstances;
  const total = state.tasks.size + adding;
  if (total <= max) return null;
  return `${what} would make ${total} task instances in the run (${state.tasks.size} already), over maxTaskInstances ${max}`;
}

/** Instances one new group of a block creates at once: its unmapped tasks (maps and nested blocks expand later). */
export function instancesPerGroup(state: RunState, blockPath: string): number {
  let count = 0;
  for (const child of state.index.children(blockPath)) {
    const node = state.index.node(child);
    if (node.kind === 'task' && node.map === null) count += 1;
  }
  return count;
}
