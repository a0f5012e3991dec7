import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { parseList, parsePort, parsePositiveInt } from './shared.js';

interface DevFlags {
  port?: number;
  executors?: string[];
  concurrency?: number;
  databaseUrl?: string;
  natsUrl?: string;
  subjectPrefix?: string;
  handlers?: string[];
}

export function registerDev(program: Command, ctx: CliContext): void {
  program
    .command('dev')
    .description(
      'run all five services in this process (api on 127.0.0.1), migrations applied; starts NATS and an ' +
        'embedded Postgres when none answers; creates an admin token when none is configured',
    )
    .option('--port <port>', 'api port (default: $TRIBUTARY_API_PORT, else 8080)', parsePort)
    .option(
      '--executors <names>',
      'executor names this host serves, comma-separated (default: every handler it has)',
      parseList,
    )
    .option('--concurrency <n>', 'attempts the executor host runs at once', parsePositiveInt)
    .option('--database-url <url>', 'Postgres URL (default: $TRIBUTARY_DATABASE_URL)')
    .option('--nats-url <url>', 'NATS URL (default: $TRIBUTARY_NATS_URL)')
    .option(
      '--subject-prefix <prefix>',
      'NATS subject and stream prefix (default: $TRIBUTARY_SUBJECT_PREFIX, else tributary)',
    )
    .option(
      '--handlers <modules>',
      'handler modules, comma-separated (default: $TRIBUTARY_HANDLERS)',
      parseList,
    )
    .action(async (flags: DevFlags) => {
      const { runDev } = await import('../dev/dev-environment.js');
      ctx.exitCode = await runDev(ctx, flags);
    });
}
