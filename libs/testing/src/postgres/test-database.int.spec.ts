import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { InfrastructureUnavailableError } from '../infrastructure/infrastructure-unavailable.error.js';
import {
  DEFAULT_TEST_DATABASE_URL,
  START_LOCAL_POSTGRES_COMMAND,
  createTestDatabase,
} from './test-database.js';

const adminUrl = process.env['TRIBUTARY_DATABASE_URL'] ?? DEFAULT_TEST_DATABASE_URL;

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const result = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return result.rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('createTestDatabase', () => {
  it('creates an empty database that accepts connections, and drop removes it', async () => {
    const database = await createTestDatabase();
    expect(database.name).toMatch(/^tributary_test_[0-9a-f]{12}$/);
    expect(new URL(database.url).pathname).toBe(`/${database.name}`);
    expect(await databaseExists(database.name)).toBe(true);

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    expect(rows[0]?.db).toBe(database.name);

    // The session is still open: drop must terminate it rather than fail.
    client.on('error', () => undefined);
    await database.drop();
    expect(await databaseExists(database.name)).toBe(false);
    await database.drop();
  });

  it('gives every call its own database', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    try {
      expect(a.name).not.toBe(b.name);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });

  it('names all three ways out when nothing answers and containers are off', async () => {
    const attempt = createTestDatabase({
      url: 'postgres://postgres:hunter2@127.0.0.1:1/postgres',
      container: false,
    });
    await expect(attempt).rejects.toBeInstanceOf(InfrastructureUnavailableError);
    const message = await attempt.catch((error: Error) => error.message);
    expect(message).toContain('TRIBUTARY_DATABASE_URL');
    expect(message).toContain(START_LOCAL_POSTGRES_COMMAND);
    expect(message).toContain('Docker');
    expect(message).toContain('testcontainers');
    expect(message).not.toContain('hunter2');
  });

  it('does not hide a server that answers but refuses', async () => {
    const url = new URL(adminUrl);
    url.pathname = '/tributary_no_such_database';
    await expect(createTestDatabase({ url: url.toString(), container: false })).rejects.toMatchObject({
      code: '3D000',
    });
  });
});
