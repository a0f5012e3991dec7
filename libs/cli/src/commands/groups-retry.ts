import type { Command } from 'commander';
import { seg } from '../api/api-client.js';
import type { CliContext } from '../context.js';
import { reportClear } from './tasks-clear.js';
import { apiClientFor, parsePositiveInt, withApiOptions, withJson, type ApiOptions } from './shared.js';

interface RetryOptions extends ApiOptions {
  reason?: string;
  dryRun?: boolean;
  json?: boolean;
  wait?: boolean;
  timeout?: number;
}

export function registerGroupsRetry(groups: Command, ctx: CliContext): void {
  withJson(
    withApiOptions(
      groups
        .command('retry')
        .description(
          'run a whole group again: every task instance in it (nested groups included, successful ones too) ' +
            'and what depends on it, the consolidation among them; the other groups keep their attempts',
        )
        .argument('<runId>', 'run id')
        .argument('<group>', 'group path, e.g. market=GR or market=GR/lang=el')
        .option('--reason <text>', 'why (recorded in the event log with your token name)')
        .option('--dry-run', 'list the task instances the retry would reset; change nothing')
        .option('--wait', 'then follow the run to its end; exit codes as `runs trigger --wait` (0, 3, 1)')
        .option('--timeout <seconds>', 'with --wait: give up after this many seconds', parsePositiveInt),
    ),
  ).action(async (runId: string, group: string, options: RetryOptions) => {
    const client = apiClientFor(ctx, options);
    const reply = await client.post<unknown>(`/runs/${seg(runId)}/groups/retry`, {
      group,
      ...(options.reason !== undefined ? { reason: options.reason } : {}),
      dryRun: options.dryRun === true,
    });
    await reportClear(ctx, client, runId, reply, options);
  });
}
