import { Command, CommanderError } from 'commander';
import { eprintln, type CliContext } from './context.js';
import { EXIT_USAGE, exitCodeOf, formatError } from './errors.js';
import { registerAuditCheckpoint, registerAuditKeygen } from './commands/audit-checkpoint.js';
import { registerAuditExport } from './commands/audit-export.js';
import { registerAuditHistory } from './commands/audit-history.js';
import { registerAuditReplay } from './commands/audit-replay.js';
import { registerAuditVerify } from './commands/audit-verify.js';
import { registerDev } from './commands/dev.js';
import { registerExecutors } from './commands/executors.js';
import { registerGroupsRetry } from './commands/groups-retry.js';
import { registerLogs } from './commands/logs.js';
import { registerMigrate } from './commands/migrate.js';
import { registerPipelinesApply } from './commands/pipelines-apply.js';
import { registerPipelinesList } from './commands/pipelines-list.js';
import { registerPipelinesShow } from './commands/pipelines-show.js';
import { registerProjectionsRebuild } from './commands/projections-rebuild.js';
import { registerRunsCancel } from './commands/runs-cancel.js';
import { registerRunsFollow } from './commands/runs-follow.js';
import { registerRunsList } from './commands/runs-list.js';
import { registerRunsShow } from './commands/runs-show.js';
import { registerRunsTrigger } from './commands/runs-trigger.js';
import { registerStart } from './commands/start.js';
import { registerTasksClear } from './commands/tasks-clear.js';
import { registerTasksMark } from './commands/tasks-mark.js';
import { registerTokens } from './commands/tokens.js';

export const CLI_VERSION = '0.1.0';

/** The `tributary` command tree; actions write through `ctx.io` and set `ctx.exitCode`. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('tributary')
    .description('Tributary: fan-out / fan-in pipelines on NATS JetStream and Postgres')
    .version(CLI_VERSION, '-V, --version', 'print the CLI version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Environment: TRIBUTARY_API_URL, TRIBUTARY_API_TOKEN (api commands; else .tributary/dev.json written by
\`tributary dev\`), TRIBUTARY_DATABASE_URL (migrate, audit, projections), TRIBUTARY_NATS_URL, TRIBUTARY_SUBJECT_PREFIX,
TRIBUTARY_HANDLERS (dev, start). Exit codes: 0 ok, 1 failed/cancelled/rejected run or failed operation, 2 usage error,
3 followed run (--wait, runs follow) succeeded with failed groups, 130 stopped following (Ctrl-C).`,
    );

  registerDev(program, ctx);
  registerStart(program, ctx);
  registerMigrate(program, ctx);

  const pipelines = program.command('pipelines').description('apply, list and show pipeline specs');
  registerPipelinesApply(pipelines, ctx);
  registerPipelinesList(pipelines, ctx);
  registerPipelinesShow(pipelines, ctx);

  const runs = program.command('runs').description('trigger, follow, list, show and cancel runs');
  registerRunsTrigger(runs, ctx);
  registerRunsList(runs, ctx);
  registerRunsShow(runs, ctx);
  registerRunsCancel(runs, ctx);
  registerRunsFollow(runs, ctx);

  const tasks = program.command('tasks').description('operator actions on task instances: clear, mark');
  registerTasksClear(tasks, ctx);
  registerTasksMark(tasks, ctx);

  const groups = program.command('groups').description('operator actions on whole groups: retry');
  registerGroupsRetry(groups, ctx);

  registerLogs(program, ctx);
  registerExecutors(program, ctx);
  registerTokens(program, ctx);

  const audit = program
    .command('audit')
    .description('audit the event log: history, verify, replay, export, signed checkpoints (docs/audit.md)');
  registerAuditHistory(audit, ctx);
  registerAuditVerify(audit, ctx);
  registerAuditReplay(audit, ctx);
  registerAuditExport(audit, ctx);
  registerAuditCheckpoint(audit, ctx);
  registerAuditKeygen(audit, ctx);

  const projections = program.command('projections').description('the tables projected from the event log');
  registerProjectionsRebuild(projections, ctx);

  return program;
}

/**
 * Runs the CLI on `args` (without node and script) and resolves with the exit code: 0 ok, 1 failed run or
 * operation, 2 usage error (commander's errors, bad values), never throwing.
 */
export async function runCli(args: readonly string[], ctx: CliContext): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...args], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every other commander error (unknown command or option, missing
      // argument, invalid value, no subcommand) is a usage error. Commander already printed it.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    eprintln(ctx, formatError(error));
    return exitCodeOf(error);
  }
}
