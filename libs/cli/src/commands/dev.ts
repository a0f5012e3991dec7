import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { exitWhenStopped } from '../dev/services.js';
import { parseList, parsePort, parsePositiveInt } from './shared.js';
import {
  configOverrides,
  parseDurationOption,
  withServiceConfigOptions,
  type ServiceConfigFlags,
} from './service-options.js';

interface DevFlags extends ServiceConfigFlags {
  port?: number;
  executors?: string[];
  concurrency?: number;
  shutdownGrace?: number;
}

export function registerDev(program: Command, ctx: CliContext): void {
  const command = program
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
    .option(
      '--shutdown-grace <duration>',
      'on stop, how long running attempts may finish before they are aborted (default 30s)',
      parseDurationOption,
    );
  withServiceConfigOptions(command).action(async (flags: DevFlags) => {
    const { runDev } = await import('../dev/dev-environment.js');
    ctx.exitCode = await runDev(ctx, { ...flags, overrides: configOverrides(flags) });
    exitWhenStopped(ctx.exitCode);
  });
}
