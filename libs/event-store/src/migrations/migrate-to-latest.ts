import { Migrator, type Kysely, type MigrationResult } from 'kysely';
import { EventStoreError } from '../errors/event-store.error.js';
import { inCodeMigrationProvider } from './migration-provider.js';

/** Outcome of {@link migrateToLatest}: the migrations this call executed (empty when up to date). */
export interface MigrateResult {
  readonly executed: readonly string[];
}

/**
 * Brings the schema to the newest migration. Safe to call on every service start
 * and from several processes at once: kysely records what ran in
 * `kysely_migration` and serialises concurrent migrators with a lock.
 *
 * @throws EventStoreError naming the failed migration; later ones are not run.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrateResult> {
  const migrator = new Migrator({ db, provider: inCodeMigrationProvider });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result: MigrationResult) => result.status === 'Error');
    throw EventStoreError.from(
      error,
      `migration ${failed?.migrationName ?? '(before any migration)'} failed`,
    );
  }
  return {
    executed: results.filter((result) => result.status === 'Success').map((result) => result.migrationName),
  };
}
