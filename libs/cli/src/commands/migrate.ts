import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { withDatabaseOption } from './shared.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerMigrate(program: Command, ctx: CliContext): void {
  withDatabaseOption(
    program
      .command('migrate')
      .description(
        'apply the event store migrations to $TRIBUTARY_DATABASE_URL; run it as the owner role (services only check the schema)',
      )
      .option(
        '--grant <service=role>',
        'then give the existing <role> exactly the rights of <service> (planner, executor, fan-in, consolidator, api); repeatable',
        collect,
        [] as string[],
      )
      .option(
        '--print-grants',
        'print the GRANT statements (for the --grant roles, else every service with role tributary_<service>) without connecting',
      ),
  ).action(async (options: { databaseUrl?: string; grant: string[]; printGrants?: boolean }) => {
    const { parseGrants, printGrants, runMigrate } = await import('../dev/run-migrate.js');
    const grants = await parseGrants(options.grant);
    ctx.exitCode = options.printGrants
      ? await printGrants(ctx, grants)
      : await runMigrate(ctx, { databaseUrl: options.databaseUrl, grants });
  });
}
