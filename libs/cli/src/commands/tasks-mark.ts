import { Option, type Command } from 'commander';
import { seg } from '../api/api-client.js';
import type { CliContext } from '../context.js';
import { jsonText } from '../output/table.js';
import { apiClientFor, withApiOptions, withJson, type ApiOptions } from './shared.js';
import { instancesOf, printInstances } from './operator-reply.js';

export function registerTasksMark(tasks: Command, ctx: CliContext): void {
  withJson(
    withApiOptions(
      tasks
        .command('mark')
        .description('set a task instance to success, failed or skipped by hand; downstream follows')
        .argument('<runId>', 'run id')
        .argument('<taskId>', 'task id, e.g. market=LU/report')
        .addOption(
          new Option('--state <state>', 'the new state')
            .choices(['success', 'failed', 'skipped'])
            .makeOptionMandatory(),
        )
        .option('--reason <text>', 'why (recorded in the event log with your token name)'),
    ),
  ).action(
    async (
      runId: string,
      taskId: string,
      options: ApiOptions & { state: string; reason?: string; json?: boolean },
    ) => {
      const reply = await apiClientFor(ctx, options).post<unknown>(`/runs/${seg(runId)}/mark`, {
        taskId,
        state: options.state,
        ...(options.reason !== undefined ? { reason: options.reason } : {}),
      });
      if (options.json) return void ctx.io.out(jsonText(reply));
      printInstances(ctx, `marked ${options.state}`, instancesOf(reply, 'marked'));
    },
  );
}
