import type { ReadyTask } from './ready-task.js';
import type { ActiveCounts, PoolLimit, SchedulingLimits } from './scheduling-limits.js';

/**
 * Test builders for the schedule specs (not exported from the library): a ready task with
 * defaults, and limits/active counts from plain records.
 */
export function readyTask(partial: Partial<ReadyTask> & Pick<ReadyTask, 'taskId'>): ReadyTask {
  return {
    runId: 'r1',
    stagePath: 'stage',
    executor: 'noop',
    priority: 0,
    readyAt: 0,
    readySeq: 0,
    pool: null,
    ...partial,
  };
}

/** Limits given as records; anything missing is unlimited. */
export interface LimitTable {
  runs?: Record<string, number>;
  /** By `runId|stagePath`. */
  stages?: Record<string, number>;
  pools?: Record<string, PoolLimit>;
}

export function limitsFrom(table: LimitTable): SchedulingLimits {
  return {
    maxActiveTasks: (runId) => table.runs?.[runId] ?? null,
    maxActive: (runId, stagePath) => table.stages?.[`${runId}|${stagePath}`] ?? null,
    pool: (name) => table.pools?.[name] ?? null,
  };
}

export function activeFrom(table: {
  runs?: Record<string, number>;
  stages?: Record<string, number>;
  pools?: Record<string, number>;
}): ActiveCounts {
  return {
    perRun: new Map(Object.entries(table.runs ?? {})),
    perStage: new Map(Object.entries(table.stages ?? {})),
    perPool: new Map(Object.entries(table.pools ?? {})),
  };
}
