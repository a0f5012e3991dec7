import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { withDatabaseOption } from './shared.js';

export function registerMigrate(program: Command, ctx: CliContext): void {
  withDatabaseOption(
    program.command('migrate').description('apply the event store migrations to $TRIBUTARY_DATABASE_URL'),
  ).action(async (options: { databaseUrl?: string }) => {
    const { runMigrate } = await import('../dev/start-service.js');
    ctx.exitCode = await runMigrate(ctx, options.databaseUrl);
  });
}
