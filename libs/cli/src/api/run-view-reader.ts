import { seg, type ApiClient } from './api-client.js';
import { FINISHED_RUN_STATES, type RunView, type RunViewTask } from './types.js';

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

/**
 * What following a run needs, without listing a big run each poll: the summary (groups carry their
 * counts), the instances outside any group (each is a progress line), and once the run is finished the
 * first `failed` failed or cancelled instances with their errors (failureLines; counts give the rest).
 */
export async function readProgressView(
  client: ApiClient,
  runId: string,
  failed = 11,
): Promise<RunView | null> {
  const summary = await client.getOrNull<RunSummaryView>(`/runs/${seg(runId)}`);
  if (!summary) return null;
  if (summary.run.instances === 0) return { ...summary, tasks: [] };
  const tasks = await pages(client, runId, 'group=-');
  if (FINISHED_RUN_STATES.has(summary.run.state)) {
    const first = await client.get<{ tasks: RunViewTask[] }>(
      `/runs/${seg(runId)}/tasks?state=failed,cancelled&limit=${failed}`,
    );
    const listed = new Set(tasks.map((t) => t.taskId));
    tasks.push(...first.tasks.filter((t) => !listed.has(t.taskId)));
    tasks.sort((a, b) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0)); // as the api orders them
  }
  return { ...summary, tasks };
}

/** Every page of `GET /runs/:id/tasks?<filter>`. */
async function pages(client: ApiClient, runId: string, filter: string): Promise<RunViewTask[]> {
  const tasks: RunViewTask[] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const page: { tasks: RunViewTask[]; nextCursor: string | null } = await client.get(
      `/runs/${seg(runId)}/tasks?${filter}&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    tasks.push(...page.tasks);
    cursor = page.nextCursor;
  }
  return tasks;
}

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
