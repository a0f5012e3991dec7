import { createTestDatabase, type TestDatabase } from '@tributary/testing';
import { Migrator, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../db/create-db.js';
import { inCodeMigrationProvider } from './migration-provider.js';

describe('migration 012: token lifecycle', () => {
  let database: TestDatabase;
  let db: Kysely<any>;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('revokes the unsalted SHA-256 tokens of before and drops their hashes', async () => {
    const migrator = new Migrator({ db, provider: inCodeMigrationProvider });
    expect((await migrator.migrateTo('011-fan-in-budget')).error).toBeUndefined();
    await db
      .insertInto('api_tokens')
      .values([
        { token_hash: 'a'.repeat(64), name: 'bootstrap-admin', role: 'admin' },
        { token_hash: 'b'.repeat(64), name: 'ci', role: 'operator' },
      ])
      .execute();
    expect((await migrator.migrateTo('012-token-lifecycle')).error).toBeUndefined();

    const rows = await sql<{ token_id: string; name: string; revoked: boolean; secret_hash: string | null }>`
      select token_id, name, revoked_at is not null as revoked, secret_hash from api_tokens order by name`.execute(db);
    expect(rows.rows).toEqual([
      { token_id: `legacy-${'a'.repeat(16)}`, name: 'bootstrap-admin', revoked: true, secret_hash: null },
      { token_id: `legacy-${'b'.repeat(16)}`, name: 'ci', revoked: true, secret_hash: null },
    ]);
    const columns = await sql<{ column_name: string }>`
      select column_name from information_schema.columns where table_name = 'api_tokens'`.execute(db);
    expect(columns.rows.map((c) => c.column_name)).not.toContain('token_hash');
  });

  it('allows one active token per name and one active bootstrap token, and no active token without a secret', async () => {
    const row = (id: string, name: string, bootstrap = false) => ({
      token_id: id,
      name,
      role: 'admin',
      secret_hash: 'scrypt$x',
      bootstrap,
    });
    await db.insertInto('api_tokens').values(row('t1', 'ci')).execute(); // 'ci' above is revoked
    await expect(db.insertInto('api_tokens').values(row('t2', 'ci')).execute()).rejects.toMatchObject({
      code: '23505',
    });
    await db.insertInto('api_tokens').values(row('t3', 'boot-1', true)).execute();
    await expect(
      db.insertInto('api_tokens').values(row('t4', 'boot-2', true)).execute(),
    ).rejects.toMatchObject({ code: '23505' });
    await expect(
      db
        .insertInto('api_tokens')
        .values({ ...row('t5', 'nosecret'), secret_hash: null })
        .execute(),
    ).rejects.toMatchObject({ code: '23514' });
  });
});
