import { useTestDatabase } from '@tributary/testing';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { createDb, type CreateDbOptions } from '../db/create-db.js';
import type { Database } from '../db/database.js';
import { migrateToLatest } from '../migrations/migrate-to-latest.js';

/**
 * A fresh, migrated database for one test file, dropped after it. Returns a
 * getter for the kysely instance (valid inside tests and hooks).
 */
export function useMigratedDb(options?: CreateDbOptions): () => Kysely<Database> {
  const database = useTestDatabase();
  let db: Kysely<Database> | undefined;
  beforeAll(async () => {
    db = createDb(database().url, options);
    await migrateToLatest(db);
  });
  // vitest runs after-hooks in reverse order: the pool closes before the database is dropped.
  afterAll(async () => {
    await db?.destroy();
  });
  return () => {
    if (db === undefined) throw new Error('useMigratedDb(): the database exists only inside tests and hooks');
    return db;
  };
}
