import type { Command } from 'commander';
import { seg } from '../api/api-client.js';
import { withTasks, type RunSummaryView } from '../api/run-view-reader.js';
import type { RunView } from '../api/types.js';
import { println, type CliContext } from '../context.js';
import { brief, duration, formatTable, jsonText, shortTime } from '../output/table.js';
import { runProgress } from '../progress/run-progress.js';
import { outcomeText } from './runs-trigger.js';
import { apiClientFor, withApiOptions, withJson, type ApiOptions } from './shared.js';

export function registerRunsShow(runs: Command, ctx: CliContext): void {
  withJson(
    withApiOptions(
      runs
        .command('show')
        .description('show a run: its groups and task instances (--json: the run view exactly)')
        .argument('<runId>', 'run id'),
    ),
  ).action(async (runId: string, options: ApiOptions & { json?: boolean }) => {
    const client = apiClientFor(ctx, options);
    const summary = await client.get<RunSummaryView>(`/runs/${seg(runId)}`);
    const view = await withTasks(client, summary, { outputs: options.json === true });
    if (options.json) return void ctx.io.out(jsonText(view));
    println(ctx, formatRunView(view));
  });
}

/** The readable form of a run view: summary, groups with progress, task instances. */
export function formatRunView(view: RunView): string {
  const run = view.run;
  const lines = [
    `run       ${run.id}`,
    `pipeline  ${run.pipeline} (version ${run.version})`,
    `state     ${outcomeText(view)}${run.reason ? ` (${run.reason})` : ''}`,
    `params    ${JSON.stringify(run.params)}`,
    `created   ${shortTime(run.createdAt)}`,
    `finished  ${shortTime(run.finishedAt)}${run.finishedAt ? ` (${duration(run.createdAt, run.finishedAt)})` : ''}`,
    '',
  ];
  const progress = runProgress(view);
  if (progress.length > 0) {
    lines.push(
      formatTable(progress, [
        { header: 'GROUP / TASK', value: (p) => withGroupLabel(view, p.label) },
        { header: 'STATE', value: (p) => p.state },
        { header: 'DONE', value: (p) => `${p.done}/${p.total}`, align: 'right' },
        { header: 'FAILED', value: (p) => p.failed || null, align: 'right' },
      ]),
      '',
    );
  }
  lines.push(
    formatTable(
      [...view.tasks].sort((a, b) => naturalCompare(a.taskId, b.taskId)),
      [
        { header: 'TASK', value: (t) => (t.label ? `${t.taskId} ${JSON.stringify(t.label)}` : t.taskId) },
        { header: 'STATE', value: (t) => t.state },
        { header: 'TRY', value: (t) => t.attempt, align: 'right' },
        { header: 'STARTED', value: (t) => shortTime(t.startedAt) },
        { header: 'TOOK', value: (t) => duration(t.startedAt, t.finishedAt), align: 'right' },
        { header: 'ERROR', value: (t) => (t.error ? brief(t.error.message ?? t.error, 70) : null) },
      ],
    ),
  );
  return lines.join('\n');
}

/** A group's path with its `label:` (`market=LU "market Luxembourg"`); other rows unchanged. */
function withGroupLabel(view: RunView, row: string): string {
  const label = view.groups.find((g) => g.path === row)?.label;
  return label ? `${row} ${JSON.stringify(label)}` : row;
}

/** `evaluate[2]` before `evaluate[10]`. */
const naturalCompare = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });
