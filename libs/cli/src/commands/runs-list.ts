import type { Command } from 'commander';
import { listOf, type RunSummary } from '../api/types.js';
import { println, type CliContext } from '../context.js';
import { duration, formatTable, jsonText, shortTime } from '../output/table.js';
import { apiClientFor, parsePositiveInt, withApiOptions, withJson, type ApiOptions } from './shared.js';

interface ListOptions extends ApiOptions {
  pipeline?: string;
  state?: string;
  partial?: boolean;
  since?: string;
  until?: string;
  limit?: number;
  json?: boolean;
}

export function registerRunsList(runs: Command, ctx: CliContext): void {
  withJson(
    withApiOptions(
      runs
        .command('list')
        .description('list runs, newest first')
        .option('--pipeline <id>', 'only runs of this pipeline')
        .option('--state <state>', 'only runs in this state (running, success, failed, cancelled)')
        .option('--partial', 'only runs that succeeded with failed groups (failed/upstream_failed instances)')
        .option('--since <time>', 'only runs created at or after this ISO 8601 time, e.g. 2026-12-05T10:00:00Z')
        .option('--until <time>', 'only runs created before this ISO 8601 time')
        .option('--limit <n>', 'at most this many runs', parsePositiveInt),
    ),
  ).action(async (options: ListOptions) => {
    const query = new URLSearchParams();
    if (options.pipeline) query.set('pipeline', options.pipeline);
    if (options.state) query.set('state', options.state);
    if (options.partial) query.set('partial', 'true');
    if (options.since) query.set('since', options.since);
    if (options.until) query.set('until', options.until);
    if (options.limit) query.set('limit', String(options.limit));
    const qs = query.size > 0 ? `?${query.toString()}` : '';
    const body = await apiClientFor(ctx, options).get<unknown>(`/runs${qs}`);
    if (options.json) return void ctx.io.out(jsonText(body));
    const rows = listOf<RunSummary>(body, 'runs');
    if (rows.length === 0) return println(ctx, 'no runs');
    println(
      ctx,
      formatTable(rows, [
        { header: 'RUN', value: (r) => r.id },
        { header: 'PIPELINE', value: (r) => `${r.pipeline}@${r.version}` },
        { header: 'STATE', value: (r) => r.state },
        { header: 'CREATED', value: (r) => shortTime(r.createdAt) },
        { header: 'DURATION', value: (r) => duration(r.createdAt, r.finishedAt), align: 'right' },
      ]),
    );
  });
}
