import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '@tributary/api';
import { runCli, type CliContext } from '@tributary/cli';
import { loadConfig } from '@tributary/runtime';
import { createTestDatabase, createTestNats, type TestDatabase, type TestNats } from '@tributary/testing';

/** Issue #10: `tributary tokens create|list|revoke` against a real api. */
describe('tributary tokens', () => {
  let database: TestDatabase;
  let nats: TestNats;
  let api: RunningApi;
  const admin = randomBytes(24).toString('base64url');

  /** Runs the CLI with its api URL and token given as flags; what it printed and its exit code. */
  const cli = async (args: string[], token = admin) => {
    let out = '';
    let err = '';
    const ctx: CliContext = {
      io: { out: (t) => void (out += t), err: (t) => void (err += t), progressStream: null },
      env: {},
      cwd: '/nonexistent-tributary-test-dir',
      exitCode: 0,
    };
    const code = await runCli([...args, '--api-url', api.url, '--token', token], ctx);
    return { code, out, err };
  };

  beforeAll(async () => {
    [database, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
    const config = loadConfig(
      { TRIBUTARY_LOG_LEVEL: 'quiet' },
      {
        databaseUrl: database.url,
        natsUrl: nats.url,
        subjectPrefix: nats.prefix,
        bootstrapAdminToken: admin,
        migrate: true,
      },
    );
    api = await startApi(config, { host: '127.0.0.1', port: 0 });
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
    await Promise.all([nats?.cleanup(), database?.drop()]);
  });

  it('creates a token shown once, lists it without the token, and revokes it', async () => {
    const created = await cli(['tokens', 'create', '--role', 'operator', '--name', 'ci-bot', '--expires', '30d']);
    expect(created.code).toBe(0);
    const token = created.out.trim();
    expect(token).toMatch(/^trb_[0-9a-f]{16}_[\w-]{43}$/);
    expect(created.err).toContain('token "ci-bot" (operator, expires ');
    expect(created.err).toContain('shown only this once');

    expect((await cli(['runs', 'list'], token)).code).toBe(0);

    const list = await cli(['tokens', 'list']);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^NAME\s+ROLE\s+CREATED\s+BY\s+EXPIRES\s+LAST USED\s+REVOKED$/m);
    expect(list.out).toMatch(/^ci-bot\s+operator\s+\S+ \S+\s+bootstrap-admin\s+\S+ \S+/m);
    expect(list.out).toMatch(/^bootstrap-admin\s+admin/m);
    expect(list.out).not.toContain(token.slice(4));

    const operatorList = await cli(['tokens', 'list'], token);
    expect(operatorList.code).toBe(1);
    expect(operatorList.err).toContain('needs the admin role');

    const revoked = await cli(['tokens', 'revoke', 'ci-bot']);
    expect(revoked).toMatchObject({ code: 0, out: 'token "ci-bot" revoked\n' });
    const refused = await cli(['runs', 'list'], token);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('unknown, expired or revoked token');
    const again = await cli(['tokens', 'revoke', 'ci-bot']);
    expect(again.code).toBe(1);
    expect(again.err).toContain('no active token is named "ci-bot"');

    const withRevoked = await cli(['tokens', 'list', '--revoked', '--json']);
    const rows = JSON.parse(withRevoked.out) as { name: string; revokedAt: string | null }[];
    expect(rows.find((r) => r.name === 'ci-bot')?.revokedAt).toMatch(/Z$/);
  });

  it('refuses a role it does not know and a bad expiry, precisely', async () => {
    const role = await cli(['tokens', 'create', '--role', 'root']);
    expect(role.code).toBe(2);
    expect(role.err).toContain("Allowed choices are viewer, operator, admin");
    const expiry = await cli(['tokens', 'create', '--role', 'viewer', '--name', 'x', '--expires', 'soon']);
    expect(expiry.code).toBe(1);
    expect(expiry.err).toContain('/expires');
    expect(expiry.err).toContain('neither a lifetime');
  });
});
