import { Argument, type Command } from 'commander';
import type { CliContext } from '../context.js';
import type { StartOptions } from '../dev/start-service.js';
import { SERVICE_NAMES, type ServiceName } from '../dev/services.js';
import { parseList, parsePort, parsePositiveInt } from './shared.js';

export function registerStart(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description('run one service alone (configured by TRIBUTARY_* variables and these flags) until Ctrl-C')
    .addArgument(new Argument('<service>', 'the service').choices(SERVICE_NAMES))
    .option('--database-url <url>', 'Postgres URL (default: $TRIBUTARY_DATABASE_URL)')
    .option('--nats-url <url>', 'NATS URL (default: $TRIBUTARY_NATS_URL)')
    .option(
      '--subject-prefix <prefix>',
      'NATS subject and stream prefix (default: $TRIBUTARY_SUBJECT_PREFIX)',
    )
    .option('--no-migrate', 'do not apply migrations on start')
    .option(
      '--handlers <modules>',
      'executor: handler modules, comma-separated (default: $TRIBUTARY_HANDLERS)',
      parseList,
    )
    .option('--executors <names>', 'executor: executor names to serve, comma-separated', parseList)
    .option('--concurrency <n>', 'executor: attempts run at once', parsePositiveInt)
    .option('--host <host>', 'api: address to bind (default: $TRIBUTARY_API_HOST, else 0.0.0.0)')
    .option('--port <port>', 'api: port (default: $TRIBUTARY_API_PORT, else 8080)', parsePort)
    .action(async (service: ServiceName, options: StartOptions) => {
      const { runStart } = await import('../dev/start-service.js');
      ctx.exitCode = await runStart(ctx, service, options);
    });
}
