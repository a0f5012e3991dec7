import { Argument, type Command } from 'commander';
import type { CliContext } from '../context.js';
import type { StartOptions } from '../dev/start-service.js';
import { exitWhenStopped, SERVICE_NAMES, type ServiceName } from '../dev/services.js';
import { parseList, parsePort, parsePositiveInt } from './shared.js';
import {
  configOverrides,
  parseDurationOption,
  withServiceConfigOptions,
  type ServiceConfigFlags,
} from './service-options.js';

export function registerStart(program: Command, ctx: CliContext): void {
  const command = program
    .command('start')
    .description('run one service alone (configured by TRIBUTARY_* variables and these flags) until Ctrl-C')
    .addArgument(new Argument('<service>', 'the service').choices(SERVICE_NAMES))
    .option(
      '--migrate',
      'apply migrations before starting (needs owner rights; default: $TRIBUTARY_MIGRATE, else only check the schema is current)',
    )
    .option('--no-migrate', 'do not apply migrations, only check the schema is current')
    .option('--executors <names>', 'executor: executor names to serve, comma-separated', parseList)
    .option('--concurrency <n>', 'executor: attempts run at once', parsePositiveInt)
    .option(
      '--shutdown-grace <duration>',
      'executor: on stop, how long running attempts may finish before they are aborted (default 30s)',
      parseDurationOption,
    )
    .option('--host <host>', 'api: address to bind (default: $TRIBUTARY_API_HOST, else 0.0.0.0)')
    .option('--port <port>', 'api: port (default: $TRIBUTARY_API_PORT, else 8080)', parsePort);
  withServiceConfigOptions(command).action(
    async (service: ServiceName, flags: StartOptions & ServiceConfigFlags) => {
      const { runStart } = await import('../dev/start-service.js');
      ctx.exitCode = await runStart(ctx, service, { ...flags, overrides: configOverrides(flags) });
      exitWhenStopped(ctx.exitCode);
    },
  );
}
