import type { Command } from 'commander';
import { seg } from '../api/api-client.js';
import { eprintln, println, type CliContext } from '../context.js';
import { jsonText } from '../output/table.js';
import { followToEnd } from './runs-trigger.js';
import { apiClientFor, parsePositiveInt, withApiOptions, withJson, type ApiOptions } from './shared.js';

interface ClearOptions extends ApiOptions {
  downstream: boolean;
  onlyFailed?: boolean;
  reason: string;
  json?: boolean;
  wait?: boolean;
  timeout?: number;
}

export function registerTasksClear(tasks: Command, ctx: CliContext): void {
  withJson(
    withApiOptions(
      tasks
        .command('clear')
        .description(
          'put task instances (and, by default, their downstream) back to pending; the run continues',
        )
        .argument('<runId>', 'run id')
        .argument('<taskId...>', 'task ids, e.g. market=LU/retrieve[3] (quote them in the shell)')
        .option('--no-downstream', 'clear only the named task instances, not what depends on them')
        .option('--only-failed', 'clear only those in failed or upstream_failed')
        .requiredOption('--reason <text>', 'why (recorded in the event log with your token name)')
        .option('--wait', 'then follow the run to its end; exit codes as `runs trigger --wait` (0, 3, 1)')
        .option('--timeout <seconds>', 'with --wait: give up after this many seconds', parsePositiveInt),
    ),
  ).action(async (runId: string, taskIds: string[], options: ClearOptions) => {
    if (!options.downstream) {
      eprintln(
        ctx,
        'warning: --no-downstream: descendants that are upstream_failed stay as they are; ' +
          'clear them too, or clear with downstream (the default)',
      );
    }
    const client = apiClientFor(ctx, options);
    const reply = await client.post<unknown>(`/runs/${seg(runId)}/clear`, {
      taskIds,
      downstream: options.downstream,
      onlyFailed: options.onlyFailed === true,
      reason: options.reason,
    });
    if (options.json && !options.wait) return void ctx.io.out(jsonText(reply));
    if (!options.json) {
      println(
        ctx,
        `cleared ${taskIds.join(', ')}${options.downstream ? ' with downstream' : ''}${describeCommandReply(reply)}`,
      );
    }
    if (options.wait) ctx.exitCode = await followToEnd(ctx, client, runId, options);
  });
}

/** ` (12 events: TaskInstanceCleared ×10, GroupReopened ×2)` from an operator command's reply, if it says. */
export function describeCommandReply(reply: unknown): string {
  if (!reply || typeof reply !== 'object') return '';
  const r = reply as { events?: unknown; eventTypes?: unknown };
  if (typeof r.events !== 'number') return '';
  const types =
    r.eventTypes && typeof r.eventTypes === 'object'
      ? Object.entries(r.eventTypes as Record<string, number>)
          .map(([type, n]) => `${type} ×${n}`)
          .join(', ')
      : '';
  return ` (${r.events} event${r.events === 1 ? '' : 's'}${types ? `: ${types}` : ''})`;
}
