import { createHash } from 'node:crypto';
import { taskInstancesPerRun, type StageShape, type Workload } from '../lib/workload.js';

/** The group block's name: task ids read `g=<key>/<stage>`. */
export const GROUP = 'g';

/** Stage ids of one group's chain, in order, as the engine names its task instances. */
export interface ChainStage {
  /** The task stage that runs first (a map's list). */
  first: string;
  /** The task stage that finishes last (a map's reduce). */
  last: string;
}

/** Stage ids: `s01`, `s02`, … (a map `sNN` becomes `sNN_list`, `sNN_each`, `sNN_reduce`). */
export function chainStages(stages: StageShape[]): ChainStage[] {
  return stages.map((stage, i) => {
    const id = `s${String(i + 1).padStart(2, '0')}`;
    return stage.kind === 'map' ? { first: `${id}_list`, last: `${id}_reduce` } : { first: id, last: id };
  });
}

/** YAML flow mappings of one stage's task stages. */
function taskStages(stage: StageShape, index: number): string[] {
  const id = `s${String(index + 1).padStart(2, '0')}`;
  switch (stage.kind) {
    case 'noop':
      return [`{ id: ${id}, executor: noop }`];
    case 'sleep':
      return [`{ id: ${id}, executor: sleep, with: { ms: ${stage.ms} } }`];
    case 'map':
      return [
        `{ id: ${id}_list, executor: list, with: { n: ${stage.items} } }`,
        `{ id: ${id}_each, executor: noop, map: upstream.${id}_list }`,
        `{ id: ${id}_reduce, executor: noop }`,
      ];
  }
}

/**
 * The pipeline of a workload's shape (groups come from the trigger's params): one group per element of
 * params.groups running the stages in sequence, and a no-op consolidation over every group (all_done),
 * as bench/wide-run.bench.ts.
 */
export function pipelineFor(workload: Workload): { id: string; yaml: string } {
  const shape = JSON.stringify(workload.stages);
  const id = `bench-${createHash('sha256').update(shape).digest('hex').slice(0, 10)}`;
  const maxMap = Math.max(10_000, ...workload.stages.map((s) => (s.kind === 'map' ? s.items : 0)));
  // The run-wide cap defaults to 100 000 instances; huge's and grid's run has 100 021.
  const maxInstances = Math.max(100_000, taskInstancesPerRun(workload));
  const yaml = [
    `id: ${id}`,
    `params: { type: object, required: [groups], properties: { groups: { type: array, items: { type: string } } } }`,
    `limits: { maxActiveTasks: 1000000, maxMapLength: ${maxMap}, maxTaskInstances: ${maxInstances} }`,
    `defaults: { retries: 0 }`,
    `stages:`,
    `  - group: ${GROUP}`,
    `    over: params.groups`,
    `    stages:`,
    ...workload.stages.flatMap(taskStages).map((line) => `      - ${line}`),
    `consolidate: { executor: noop, triggerRule: all_done }`,
    '',
  ].join('\n');
  return { id, yaml };
}

/** The trigger params for `groups` groups: keys 0 … groups-1. */
export function groupParams(groups: number): { groups: string[] } {
  return { groups: Array.from({ length: groups }, (_, i) => String(i)) };
}
