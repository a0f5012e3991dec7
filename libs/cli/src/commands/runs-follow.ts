import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { followToEnd } from './runs-trigger.js';
import { apiClientFor, parsePositiveInt, withApiOptions, withJson, type ApiOptions } from './shared.js';

export function registerRunsFollow(runs: Command, ctx: CliContext): void {
  withJson(
    withApiOptions(
      runs
        .command('follow')
        .description(
          're-attach the live per-group progress to a run until it ends; exits as `runs trigger --wait` ' +
            '(0 clean success, 3 success with failed groups, 1 failed/cancelled/rejected, 130 stopped)',
        )
        .argument('<runId>', 'run id')
        .option('--timeout <seconds>', 'give up after this many seconds', parsePositiveInt),
    ),
  ).action(async (runId: string, options: ApiOptions & { timeout?: number; json?: boolean }) => {
    ctx.exitCode = await followToEnd(ctx, apiClientFor(ctx, options), runId, options);
  });
}
