import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@tributary/testing';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./fixtures/lose-connection.ts', import.meta.url));

/**
 * What made a Postgres restart stall a run (issue #8): every planner had a transaction open when the
 * server went away, pg emitted 'error' on the checked-out client, nobody listened (createDb listens on
 * the pool, which only covers idle clients), and the process died. Nothing restarted it. Every pooled
 * client now has its own listener.
 */
describe('a lost Postgres connection while a transaction holds it', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  // Fixed in libs/event-store createDb: it listens for 'error' on every pooled client.
  it('rejects the transaction and leaves the process (and its pool) running', async () => {
    const result = await run(
      process.execPath,
      ['--import', 'tsx', '--conditions=@tributary/source', SCRIPT, database.url],
      { cwd: fileURLToPath(new URL('.', import.meta.url)), timeout: 30_000 },
    ).catch((error: { code?: number; stdout?: string; stderr?: string }) => error);
    expect(result.stderr ?? '').not.toContain("Unhandled 'error' event");
    expect(result.stdout).toMatch(/^survived \(rejected: /m);
  }, 40_000);
});
