/** One stage of every group's chain: a no-op, a sleep, or a map (list → n no-ops → reduce). */
export type StageShape = { kind: 'noop' } | { kind: 'sleep'; ms: number } | { kind: 'map'; items: number };

/**
 * What one measurement runs, in terms both contenders can build: `runs` runs triggered at once, each
 * with `groups` groups running `stages` in sequence, then one consolidation over every group.
 */
export interface Workload {
  runs: number;
  groups: number;
  stages: StageShape[];
}

/** Task instances one stage creates in one group: a map is its list, its items and its reduce. */
function instancesOf(stage: StageShape): number {
  return stage.kind === 'map' ? stage.items + 2 : 1;
}

/** Task instances of one run: every group's stages plus the consolidation. */
export function taskInstancesPerRun(workload: Workload): number {
  return workload.groups * workload.stages.reduce((sum, stage) => sum + instancesOf(stage), 0) + 1;
}

/** Task instances of the whole workload (the unit of every TIs/s figure). */
export function taskInstances(workload: Workload): number {
  return workload.runs * taskInstancesPerRun(workload);
}

/** The stages as a short text, e.g. `noop×3` or `map(1000)`. */
export function describeStages(stages: StageShape[]): string {
  const names = stages.map((s) =>
    s.kind === 'map' ? `map(${s.items})` : s.kind === 'sleep' ? `sleep(${s.ms}ms)` : 'noop',
  );
  return names.every((n) => n === names[0]) && names.length > 1
    ? `${names[0]}×${names.length}`
    : names.join(' → ');
}

/** `n` no-op stages. */
export function noops(n: number): StageShape[] {
  return Array.from({ length: n }, () => ({ kind: 'noop' }) as const);
}
