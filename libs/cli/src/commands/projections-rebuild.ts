import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { RebuildOptions } from '../audit/rebuild-projections.js';
import { withDatabaseOption, withJson } from './shared.js';

export function registerProjectionsRebuild(projections: Command, ctx: CliContext): void {
  withJson(
    withDatabaseOption(
      projections
        .command('rebuild')
        .description('rewrite the runs, groups and task_instances rows from the event log (one run, or all)')
        .option('--run <runId>', 'only this run'),
    ),
  ).action(async (options: RebuildOptions) => {
    const { projectionsRebuild } = await import('../audit/rebuild-projections.js');
    ctx.exitCode = await projectionsRebuild(ctx, options);
  });
}
