import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDevState } from '@tributary/cli';
import {
  createTestDatabase,
  createTestNats,
  eventually,
  type TestDatabase,
  type TestNats,
} from '@tributary/testing';
import { freePort } from '../support/free-port.js';
import { CLI } from '../support/tributary-system.js';

/** Issue #10: a `.tributary/dev.json` that came with a cloned repository does not choose dev's admin token. */
describe('`tributary dev` and a planted dev.json', () => {
  let database: TestDatabase;
  let nats: TestNats;
  let dir: string;
  let dev: ChildProcess | undefined;
  const planted = 'planted-admin-token-from-a-cloned-repository';

  beforeAll(async () => {
    [database, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
    dir = mkdtempSync(join(tmpdir(), 'dev-token-'));
  });
  afterAll(async () => {
    if (dev && dev.exitCode === null) {
      const exited = new Promise((resolve) => dev!.once('exit', resolve));
      dev.kill('SIGINT');
      await exited;
    }
    await nats?.cleanup();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers a fresh admin token, never the one found in the file', async () => {
    const port = await freePort();
    writeDevState(dir, { apiUrl: `http://127.0.0.1:${port}`, token: planted });
    const env: Record<string, string | undefined> = {
      ...process.env,
      TRIBUTARY_DATABASE_URL: database.url,
      TRIBUTARY_NATS_URL: nats.url,
      TRIBUTARY_SUBJECT_PREFIX: nats.prefix,
      TRIBUTARY_LOG_LEVEL: 'quiet',
    };
    for (const name of ['TRIBUTARY_API_TOKEN', 'TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN', 'TRIBUTARY_API_URL']) delete env[name];
    dev = spawn(process.execPath, [CLI, 'dev', '--port', String(port)], { cwd: dir, env, stdio: 'ignore' });
    const api = `http://127.0.0.1:${port}/api/v1`;
    const stored = await eventually(() => {
      const state = JSON.parse(readFileSync(join(dir, '.tributary', 'dev.json'), 'utf8')) as { token: string };
      if (state.token === planted) throw new Error('dev.json not rewritten yet');
      return state.token;
    }, 60_000);
    const as = (token: string) => fetch(`${api}/tokens`, { headers: { authorization: `Bearer ${token}` } });
    expect((await as(stored)).status).toBe(200);
    expect((await as(planted)).status).toBe(401);
  }, 90_000);
});
