import { sql, type Kysely } from 'kysely';
import { MIGRATIONS } from './migration-provider.js';

/** The schema a service found is older than the build it runs: `tributary migrate` has not been run. */
export class SchemaNotCurrentError extends Error {
  override readonly name = 'SchemaNotCurrentError';
  readonly retryable = false;
  constructor(
    message: string,
    /** Newest migration recorded in the database; null when none is. */
    readonly current: string | null,
    /** Newest migration this build knows. */
    readonly needed: string,
    /** Migrations of this build the database has not had, in order. */
    readonly missing: readonly string[],
  ) {
    super(message);
  }
}

/** The newest migration this build carries (names sort by their three-digit prefix). */
export function latestMigration(): string {
  return Object.keys(MIGRATIONS).sort().at(-1)!;
}

/**
 * Checks that every migration of this build has been applied, without changing anything (services run
 * as roles that cannot migrate; `tributary migrate` runs as the owner). Migrations the build does not
 * know (a newer build migrated first) are accepted: migrations only add.
 *
 * @throws SchemaNotCurrentError "database schema is at migration X, this build needs Y: run `tributary migrate`"
 */
export async function assertSchemaCurrent(db: Kysely<any>): Promise<void> {
  const needed = latestMigration();
  let applied: string[];
  try {
    const result = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
    applied = result.rows.map((row) => row.name);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === '42P01')
      applied = []; // no migration table: never migrated
    else if (code === '42501') {
      throw new Error(
        `cannot read the migration table kysely_migration (${(error as Error).message}): the service's database role needs ` +
          'SELECT on it (`tributary migrate --grant <service>=<role>` grants it)',
        { cause: error },
      );
    } else throw error;
  }
  const done = new Set(applied);
  const missing = Object.keys(MIGRATIONS)
    .sort()
    .filter((name) => !done.has(name));
  if (missing.length === 0) return;
  const current = applied.at(-1) ?? null;
  throw new SchemaNotCurrentError(
    `database schema is at migration ${current ?? '(none: empty database)'}, this build needs ${needed}: ` +
      `run \`tributary migrate\` (missing: ${missing.join(', ')})`,
    current,
    needed,
    missing,
  );
}
