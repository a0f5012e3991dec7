import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, type CreateTestDatabaseOptions, type TestDatabase } from './test-database.js';

/**
 * Registers vitest hooks that create a fresh database before the file's tests and
 * drop it after them. Call at module or `describe` level; the returned getter throws
 * when used before `beforeAll` ran.
 *
 * @example
 * const database = useTestDatabase();
 * it('connects', async () => { const db = createDb(database().url); … });
 */
export function useTestDatabase(options?: CreateTestDatabaseOptions): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(options);
  });
  afterAll(async () => {
    await database?.drop();
  });
  return () => {
    if (database === undefined)
      throw new Error('useTestDatabase(): the database exists only inside tests and hooks');
    return database;
  };
}
