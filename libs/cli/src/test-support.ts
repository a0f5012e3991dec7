import type { TaskInstanceView } from '@tributary/api-contract';
import type { RunView } from './api/types.js';
import type { CliContext } from './context.js';

/** A CLI context that records what a command printed, for tests. */
export function recordingContext(
  env: Record<string, string | undefined> = {},
  cwd = '/nonexistent-tributary-test-dir',
): CliContext & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    io: {
      out: (text) => void (out += text),
      err: (text) => void (err += text),
      progressStream: null,
    },
    env,
    cwd,
    exitCode: 0,
    stdout: () => out,
    stderr: () => err,
  };
}

/**
 * A run view as the api would answer it for `tasks`: the run's and each group's counts (nested groups
 * included) computed from the instances, labels null.
 */
export function runViewOfTasks(
  run: { id: string; pipeline: string; version: number; state: string; params: unknown; createdAt?: string },
  groups: readonly { path: string; state: string }[],
  tasks: readonly TaskInstanceView[],
): RunView {
  const countsOf = (inside: readonly TaskInstanceView[]): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const t of inside) counts[t.state] = (counts[t.state] ?? 0) + 1;
    return counts;
  };
  const counts = countsOf(tasks);
  return {
    run: {
      createdAt: '2024-06-11T10:00:00.000Z',
      ...run,
      finishedAt: null,
      reason: null,
      instances: tasks.length,
      partial: false,
      counts,
      failedGroups: [],
    },
    groups: groups.map((g) => ({
      ...g,
      label: null,
      counts: countsOf(
        tasks.filter((t) => t.group !== null && (t.group === g.path || t.group.startsWith(`${g.path}/`))),
      ),
    })),
    stages: [],
    tasks: [...tasks],
  };
}
