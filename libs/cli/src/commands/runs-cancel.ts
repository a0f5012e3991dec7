import type { Command } from 'commander';
import { seg } from '../api/api-client.js';
import { println, type CliContext } from '../context.js';
import { jsonText } from '../output/table.js';
import { apiClientFor, withApiOptions, withJson, type ApiOptions } from './shared.js';
import { instancesOf, printInstances } from './operator-reply.js';

export function registerRunsCancel(runs: Command, ctx: CliContext): void {
  withJson(
    withApiOptions(
      runs
        .command('cancel')
        .description('cancel a run: unfinished task instances become cancelled, running handlers are aborted')
        .argument('<runId>', 'run id')
        .requiredOption('--reason <text>', 'why (recorded in the event log with your token name)'),
    ),
  ).action(async (runId: string, options: ApiOptions & { reason: string; json?: boolean }) => {
    const reply = await apiClientFor(ctx, options).post<unknown>(`/runs/${seg(runId)}/cancel`, {
      reason: options.reason,
    });
    if (options.json) return void ctx.io.out(jsonText(reply));
    println(ctx, `run ${runId} cancelled`);
    printInstances(ctx, 'cancelled', instancesOf(reply, 'cancelled'));
  });
}
