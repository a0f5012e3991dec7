import { seg, type ApiClient } from './api-client.js';
import type { RunView, RunViewTask } from './types.js';

/** Instances per page read by the CLI (the api's largest page). */
const PAGE = 10_000;

/**
 * The run view with every task instance, as the CLI prints it: `GET /runs/:id` (run, groups, counts)
 * plus every page of `GET /runs/:id/tasks` (with outputs only when asked: they can be large).
 * Null when the run does not exist (yet).
 */
export async function readFullRunView(
  client: ApiClient,
  runId: string,
  options: { outputs?: boolean } = {},
): Promise<RunView | null> {
  const summary = await client.getOrNull<RunSummaryView>(`/runs/${seg(runId)}`);
  return summary ? withTasks(client, summary, options) : null;
}

/** `GET /runs/:id` as the api answers it: no instances. */
export type RunSummaryView = Omit<RunView, 'tasks'>;

/** The summary with every task instance read page by page. */
export async function withTasks(
  client: ApiClient,
  summary: RunSummaryView,
  options: { outputs?: boolean } = {},
): Promise<RunView> {
  const runId = summary.run.id;
  const tasks: RunViewTask[] = [];
  // Nothing to page for a run without instances (a queued run is not known to /tasks yet).
  let cursor: string | null = summary.run.instances === 0 ? null : '';
  while (cursor !== null) {
    const query = `limit=${PAGE}${options.outputs ? '&outputs=true' : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await client.get<{ tasks: RunViewTask[]; nextCursor: string | null }>(
      `/runs/${seg(runId)}/tasks?${query}`,
    );
    tasks.push(...page.tasks);
    cursor = page.nextCursor;
  }
  return { ...summary, tasks };
}
