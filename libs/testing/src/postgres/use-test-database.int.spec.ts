import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from './use-test-database.js';

describe('useTestDatabase', () => {
  const database = useTestDatabase();

  it('provides a database inside tests', async () => {
    const client = new pg.Client({ connectionString: database().url });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
      expect(rows[0]?.db).toBe(database().name);
    } finally {
      await client.end();
    }
  });
});

describe('useTestDatabase before its hooks ran', () => {
  const database = useTestDatabase();
  let early: string;
  try {
    early = database().name;
  } catch (error) {
    early = (error as Error).message;
  }

  it('throws at collection time, naming the mistake', () => {
    expect(early).toContain('only inside tests and hooks');
    expect(database().name).toMatch(/^tributary_test_/);
  });
});
