import type { Json } from '../spec/pipeline-spec.js';
import type { TaskState } from '../rules/task-state.js';
import type { RunState } from './run-state.js';
import type { TaskError } from './run-events.js';

/** The run view of DESIGN §7 (`GET /runs/:id`), computed from folded state. Times are ISO-8601 UTC. */
export interface RunView {
  run: {
    id: string;
    pipeline: string;
    version: number;
    state: string;
    params: Json;
    createdAt: string | null;
    finishedAt: string | null;
    reason: string | null;
  };
  /** `label`: the block's `label:` for the group (null without one). */
  groups: { path: string; state: string; label: string | null }[];
  tasks: {
    taskId: string;
    stage: string;
    group: string | null;
    mapIndex: number | null;
    /** The stage's `label:` for this map index (null without one). */
    label: string | null;
    state: TaskState;
    attempt: number;
    output: Json;
    error: TaskError | null;
    startedAt: string | null;
    finishedAt: string | null;
  }[];
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Groups and tasks sorted by path/id so two views of the same state compare equal. */
export function runViewOf(state: RunState): RunView {
  const groups = [...state.groups.values()]
    .map((g) => ({ path: g.path, state: g.state, label: g.label }))
    .sort((a, b) => cmp(a.path, b.path));
  const tasks = [...state.tasks.values()]
    .map((t) => ({
      taskId: t.taskId,
      stage: t.stagePath,
      group: t.groupPath,
      mapIndex: t.mapIndex,
      label: t.label,
      state: t.state,
      attempt: t.attempt,
      output: t.output,
      error: t.error,
      startedAt: iso(t.startedAt),
      finishedAt: iso(t.finishedAt),
    }))
    .sort((a, b) => cmp(a.taskId, b.taskId));
  const run = state.run;
  return {
    run: {
      id: run.id,
      pipeline: run.pipelineId,
      version: run.version,
      state: run.status,
      params: run.params,
      createdAt: iso(run.createdAt),
      finishedAt: iso(run.finishedAt),
      reason: run.reason,
    },
    groups,
    tasks,
  };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
