import { InvalidArgumentError, type Command } from 'commander';
import { TASK_STATES } from '@tributary/domain';
import { seg, type ApiClient } from '../api/api-client.js';
import { eprintln, type CliContext } from '../context.js';
import { jsonText } from '../output/table.js';
import { instancesOf, printInstances } from './operator-reply.js';
import { followToEnd } from './runs-trigger.js';
import { apiClientFor, parsePositiveInt, withApiOptions, withJson, type ApiOptions } from './shared.js';

interface ClearOptions extends ApiOptions {
  downstream: boolean;
  onlyFailed?: boolean;
  state?: string[];
  reason?: string;
  dryRun?: boolean;
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
          'put task instances (and, by default, their downstream) back to pending; the run continues. ' +
            "Selectors: an exact id (market=GR/retrieve[3]), a group (market=GR or 'market=GR/*', nested " +
            "groups included), '*' within a segment ('*/evaluate'), a stage at any depth (retrieve[3], " +
            'evaluate: every index); resolved against the run, so --dry-run names exactly what a clear resets',
        )
        .argument('<runId>', 'run id')
        .argument('<selector...>', 'task selectors, e.g. market=LU/retrieve[3] (quote them in the shell)')
        .option('--no-downstream', 'clear only the selected task instances, not what depends on them')
        .option(
          '--state <states>',
          `clear only the selected instances in these states (comma-separated or repeated: ${TASK_STATES.join(', ')}); their downstream is cleared whatever its state`,
          collectStates,
        )
        .option(
          '--only-failed',
          'keep only failed and upstream_failed instances, downstream included (Airflow only-failed)',
        )
        .option('--reason <text>', 'why (recorded in the event log with your token name)')
        .option('--dry-run', 'list the task instances the clear would reset; change nothing')
        .option('--wait', 'then follow the run to its end; exit codes as `runs trigger --wait` (0, 3, 1)')
        .option('--timeout <seconds>', 'with --wait: give up after this many seconds', parsePositiveInt),
    ),
  ).action(async (runId: string, selectors: string[], options: ClearOptions) => {
    if (!options.downstream && !options.dryRun) {
      eprintln(
        ctx,
        'warning: --no-downstream: descendants that are upstream_failed stay as they are; ' +
          'clear them too, or clear with downstream (the default)',
      );
    }
    const client = apiClientFor(ctx, options);
    const reply = await client.post<unknown>(`/runs/${seg(runId)}/clear`, {
      taskIds: selectors,
      downstream: options.downstream,
      onlyFailed: options.onlyFailed === true,
      ...(options.state ? { states: options.state } : {}),
      ...(options.reason !== undefined ? { reason: options.reason } : {}),
      dryRun: options.dryRun === true,
    });
    await reportClear(ctx, client, runId, reply, options);
  });
}

/** Prints (or `--json`s) a clear's reply, then follows the run with `--wait` unless it was a dry run. */
export async function reportClear(
  ctx: CliContext,
  client: ApiClient,
  runId: string,
  reply: unknown,
  options: { dryRun?: boolean; json?: boolean; wait?: boolean; timeout?: number },
): Promise<void> {
  const wait = options.wait === true && options.dryRun !== true;
  if (options.json && !wait) return void ctx.io.out(jsonText(reply));
  if (!options.json) {
    printInstances(
      ctx,
      options.dryRun ? 'dry run, nothing changed: would clear' : 'cleared',
      instancesOf(reply, 'cleared'),
    );
  }
  if (wait) ctx.exitCode = await followToEnd(ctx, client, runId, options);
}

function collectStates(value: string, previous: string[] | undefined): string[] {
  const states: readonly string[] = TASK_STATES;
  const out = [...(previous ?? [])];
  for (const s of value
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')) {
    if (!states.includes(s))
      throw new InvalidArgumentError(`'${s}' is not a task state (${TASK_STATES.join(', ')})`);
    if (!out.includes(s)) out.push(s);
  }
  return out;
}
