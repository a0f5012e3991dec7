import type { FlowJob, FlowJobNode, JobsOptions } from 'bullmq';
import type { StageShape, Workload } from '../lib/workload.js';

/** Every job of the bench goes to this one queue; the processor dispatches on the job's name. */
export const QUEUE = 'work';

/** Job names: the consolidation (a flow's root), a stage, a map step job and its mapped items. */
export type JobName = 'consolidate' | 'noop' | 'sleep' | 'map' | 'item';

/** Keep every job (the verification reads them back); the key prefix is thrown away after each run. */
export const JOB_OPTIONS: JobsOptions = { removeOnComplete: false, removeOnFail: false };

function stageJob(stage: StageShape, data: Record<string, unknown>, children: FlowJobNode[]): FlowJobNode {
  const opts = JOB_OPTIONS;
  switch (stage.kind) {
    case 'noop':
      return { name: 'noop', queueName: QUEUE, data, opts, ...(children.length ? { children } : {}) };
    case 'sleep':
      return {
        name: 'sleep',
        queueName: QUEUE,
        data: { ...data, ms: stage.ms },
        opts,
        ...(children.length ? { children } : {}),
      };
    case 'map':
      // A step job: its first step lists the items and adds one child per item, its second reduces.
      if (children.length) throw new Error('bullmq: a map stage must be the first stage of a chain');
      return { name: 'map', queueName: QUEUE, data: { ...data, items: stage.items, step: 'list' }, opts };
  }
}

/**
 * One run as one flow, the idiomatic BullMQ fan-out/fan-in: the consolidation is the root job, each
 * group's chain nested below it (the last stage is the parent of the one before, so a parent runs
 * once its child completed).
 */
export function flowFor(workload: Workload, run: number): FlowJob {
  const groups = Array.from({ length: workload.groups }, (_, group) => {
    let children: FlowJobNode[] = [];
    workload.stages.forEach((stage, index) => {
      children = [stageJob(stage, { run, group, stage: index + 1 }, children)];
    });
    return children[0]!;
  });
  return { name: 'consolidate', queueName: QUEUE, data: { run }, opts: JOB_OPTIONS, children: groups };
}

/** Jobs of one run: a map stage is one step job plus its items; the list and reduce are its two steps. */
export function jobsPerRun(workload: Workload): number {
  const perGroup = workload.stages.reduce((sum, s) => sum + (s.kind === 'map' ? s.items + 1 : 1), 0);
  return workload.groups * perGroup + 1;
}
