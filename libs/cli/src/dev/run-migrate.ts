import { loadConfig } from '@tributary/runtime';
import type { GrantedService } from '@tributary/event-store';
import { println, type CliContext } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { redact } from './infrastructure-plan.js';

export interface MigrateOptions {
  databaseUrl?: string;
  /** Roles to give exactly a service's rights once the schema is current. */
  grants?: ReadonlyArray<{ service: GrantedService; role: string }>;
}

/**
 * `tributary migrate`: brings the schema at the database URL to the newest migration (run it as the
 * owner role), then grants each `--grant` role its service's rights on the resulting tables.
 */
export async function runMigrate(ctx: CliContext, options: MigrateOptions = {}): Promise<number> {
  const { applyServiceGrants, createDb, ensureDatabase, migrateToLatest } =
    await import('@tributary/event-store');
  const url = options.databaseUrl ?? loadConfig(ctx.env).databaseUrl;
  if (await ensureDatabase(url)) println(ctx, `created database ${new URL(url).pathname.slice(1)}`);
  const db = createDb(url, { maxConnections: 1, applicationName: 'tributary-migrate' });
  try {
    const { executed } = await migrateToLatest(db).catch((error: unknown) => {
      throw new CliError(`cannot migrate ${redact(url)}: ${(error as Error).message}`);
    });
    println(
      ctx,
      executed.length > 0
        ? `applied ${executed.length} migration(s) to ${redact(url)}: ${executed.join(', ')}`
        : `schema at ${redact(url)} is up to date`,
    );
    const grants = options.grants ?? [];
    if (grants.length > 0) {
      await applyServiceGrants(db, grants).catch((error: unknown) => {
        throw new CliError((error as Error).message);
      });
      for (const { service, role } of grants) println(ctx, `granted ${service}'s rights to role ${role}`);
    }
    return 0;
  } finally {
    await db.destroy().catch(() => undefined);
  }
}

/** `--grant planner=tributary_planner …` as pairs; a usage error (exit 2) naming the bad one. */
export async function parseGrants(
  values: readonly string[],
): Promise<Array<{ service: GrantedService; role: string }>> {
  const { parseServiceRole } = await import('@tributary/event-store');
  return values.map((value) => {
    try {
      return parseServiceRole(value);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  });
}

/** `tributary migrate --print-grants`: the GRANT statements, for the given roles or every default one. */
export async function printGrants(
  ctx: CliContext,
  grants: ReadonlyArray<{ service: GrantedService; role: string }>,
): Promise<number> {
  const { defaultServiceRole, GRANTED_SERVICES, serviceGrantStatements } =
    await import('@tributary/event-store');
  const pairs =
    grants.length > 0
      ? grants
      : GRANTED_SERVICES.map((service) => ({ service, role: defaultServiceRole(service) }));
  for (const { service, role } of pairs) {
    println(ctx, `-- ${service}`);
    for (const statement of serviceGrantStatements(service, role)) println(ctx, `${statement};`);
  }
  return 0;
}
