import type { Command } from 'commander';
import { println, type CliContext } from '../context.js';
import { listOf, type PipelineSummary } from '../api/types.js';
import { brief, formatTable, jsonText, shortTime } from '../output/table.js';
import { apiClientFor, withApiOptions, withJson, type ApiOptions } from './shared.js';

export function registerPipelinesList(pipelines: Command, ctx: CliContext): void {
  withJson(
    withApiOptions(pipelines.command('list').description('list pipelines (latest version of each)')),
  ).action(async (options: ApiOptions & { json?: boolean }) => {
    const body = await apiClientFor(ctx, options).get<unknown>('/pipelines');
    if (options.json) return void ctx.io.out(jsonText(body));
    const rows = listOf<PipelineSummary>(body, 'pipelines');
    if (rows.length === 0)
      return println(ctx, 'no pipelines yet: apply one with `tributary pipelines apply <file>`');
    println(
      ctx,
      formatTable(rows, [
        { header: 'PIPELINE', value: (p) => p.id },
        { header: 'VERSION', value: (p) => p.version, align: 'right' },
        { header: 'CREATED', value: (p) => shortTime(p.createdAt ?? null) },
        { header: 'DESCRIPTION', value: (p) => brief(p.description ?? null, 70) },
      ]),
    );
  });
}
