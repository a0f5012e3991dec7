import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { DEFAULT_TEST_DATABASE_URL } from '@tributary/testing';
import { ensureDatabase } from './ensure-database.js';

const adminUrl = process.env.TRIBUTARY_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
const name = `tributary_test_ensure_${process.pid}`;
const url = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();

describe('ensureDatabase', () => {
  afterAll(async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await client.end();
  });

  it('creates a missing database once, and leaves an existing one alone', async () => {
    expect(await ensureDatabase(url)).toBe(true);
    expect(await ensureDatabase(url)).toBe(false);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    expect((await client.query('select current_database() as db')).rows[0].db).toBe(name);
    await client.end();
  });
});
