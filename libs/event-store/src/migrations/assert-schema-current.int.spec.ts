import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDb } from '../db/create-db.js';
import { useTestDatabase } from '@tributary/testing';
import { assertSchemaCurrent, latestMigration, SchemaNotCurrentError } from './assert-schema-current.js';
import { migrateToLatest } from './migrate-to-latest.js';
import { MIGRATIONS } from './migration-provider.js';

describe('assertSchemaCurrent (services check, `tributary migrate` migrates)', () => {
  const database = useTestDatabase();

  it('names the schema it found, the migration the build needs and the command, then passes once migrated', async () => {
    const db = createDb(database().url, { maxConnections: 1 });
    try {
      const needed = latestMigration();
      expect(needed).toBe(Object.keys(MIGRATIONS).at(-1));

      const empty = await assertSchemaCurrent(db).catch((error: unknown) => error);
      expect(empty).toBeInstanceOf(SchemaNotCurrentError);
      expect((empty as Error).message).toMatch(
        new RegExp(
          `^database schema is at migration \\(none: empty database\\), this build needs ${needed}: run \`tributary migrate\` \\(missing: 001-initial, `,
        ),
      );

      await migrateToLatest(db);
      await expect(assertSchemaCurrent(db)).resolves.toBeUndefined();

      // An older schema: the newest migration not applied yet.
      const names = Object.keys(MIGRATIONS).sort();
      const previous = names.at(-2)!;
      await sql`delete from kysely_migration where name = ${needed}`.execute(db);
      await expect(assertSchemaCurrent(db)).rejects.toThrow(
        `database schema is at migration ${previous}, this build needs ${needed}: run \`tributary migrate\` (missing: ${needed})`,
      );
      await sql`insert into kysely_migration (name, timestamp) values (${needed}, now()::text)`.execute(db);

      // A newer build migrated first: its extra migrations are accepted.
      await sql`insert into kysely_migration (name, timestamp) values ('999-from-a-newer-build', now()::text)`.execute(
        db,
      );
      await expect(assertSchemaCurrent(db)).resolves.toBeUndefined();
    } finally {
      await db.destroy();
    }
  });
});
