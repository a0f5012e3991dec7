import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '@tributary/api';
import { ApiClient } from '@tributary/cli';
import { loadConfig } from '@tributary/runtime';
import { createTestDatabase, createTestNats, type TestDatabase, type TestNats } from '@tributary/testing';

/** Issue #8: the CLI reports what the api answered to a body over its limit, not a transport error (EPIPE). */
describe('the CLI and a body over the api limit', () => {
  let database: TestDatabase;
  let nats: TestNats;
  let api: RunningApi;
  const token = randomBytes(16).toString('hex');

  beforeAll(async () => {
    [database, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
    const config = loadConfig(
      { TRIBUTARY_LOG_LEVEL: 'quiet' },
      {
        databaseUrl: database.url,
        natsUrl: nats.url,
        subjectPrefix: nats.prefix,
        bootstrapAdminToken: token,
        migrate: true,
      },
    );
    api = await startApi(config, { host: '127.0.0.1', port: 0 });
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
    await Promise.all([nats?.cleanup(), database?.drop()]);
  });

  it.each([5, 40])('a %i MiB trigger body is reported as the api’s 413, naming the limit', async (mib) => {
    const cli = new ApiClient({ url: api.url, token, source: 'flags' });
    const body = JSON.stringify({ params: { blob: 'z'.repeat(mib * 1024 * 1024) } });
    const error = await cli.post('/pipelines/any/runs', body).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect((error as Error).message).toContain('at most 4194304 bytes (4 MiB) are accepted');
  });
});
