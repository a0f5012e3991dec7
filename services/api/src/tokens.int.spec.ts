import { loadConfig } from '@tributary/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from './api.js';
import { RECHECK_MS } from './auth/token-verifier.js';
import { ADMIN_TOKEN, startApiHarness, type ApiHarness } from './test-support/api-harness.js';

/** Issue #10: tokens are created, listed, expired and revoked; the bootstrap token is managed. */
describe('api: token lifecycle', () => {
  let h: ApiHarness;
  const others: RunningApi[] = [];
  /** Another api over the same database and NATS prefix (another replica, or a restart). */
  const replica = async (overrides: Record<string, unknown> = {}, host = '127.0.0.1') => {
    const config = loadConfig(
      {},
      {
        databaseUrl: h.database.url,
        natsUrl: h.nats.url,
        subjectPrefix: h.nats.prefix,
        bootstrapAdminToken: ADMIN_TOKEN,
        migrate: false,
        ...overrides,
      },
    );
    const api = await startApi(config, { host, port: 0 });
    others.push(api);
    return api;
  };
  const get = (api: RunningApi, path: string, token: string) =>
    fetch(`${api.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => {
    for (const api of others) await api.stop();
    await h?.close();
  });

  it('shows a token once, lists tokens without it and revokes by name', async () => {
    const created = await h.call('POST', '/tokens', { body: { name: 'ci', role: 'operator', expires: '30d' } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^trb_[0-9a-f]{16}_[\w-]{43}$/);
    const days = (Date.parse(created.body.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    expect((await h.call('GET', '/runs', { token: created.body.token })).status).toBe(200);

    const list = await h.call('GET', '/tokens');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    // The secret is everything after `trb_<16 hex id>_` (it may itself hold `_`).
    expect(JSON.stringify(list.body)).not.toContain(created.body.token.slice('trb_'.length + 16 + 1));
    expect(list.body.find((t: { name: string }) => t.name === 'ci')).toEqual({
      name: 'ci',
      role: 'operator',
      createdAt: expect.stringMatching(/Z$/),
      createdBy: 'bootstrap-admin',
      expiresAt: created.body.expiresAt,
      lastUsedAt: expect.stringMatching(/Z$/),
      revokedAt: null,
    });

    const revoked = await h.call('DELETE', '/tokens/ci');
    expect(revoked).toMatchObject({ status: 200, body: { name: 'ci', revoked: true } });
    const after = await h.call('GET', '/runs', { token: created.body.token });
    expect(after.status).toBe(401);
    expect(after.body.error.message).toBe('unknown, expired or revoked token');
    expect((await h.call('DELETE', '/tokens/ci')).status).toBe(404);
    expect((await h.call('GET', '/tokens')).body.map((t: { name: string }) => t.name)).not.toContain('ci');
    const all = await h.call('GET', '/tokens?revoked=true');
    expect(all.body.find((t: { name: string }) => t.name === 'ci').revokedAt).toMatch(/Z$/);
    // The name is free again once revoked.
    expect((await h.call('POST', '/tokens', { body: { name: 'ci', role: 'viewer' } })).status).toBe(201);
  });

  it('refuses a token revoked on another replica within the re-check bound', async () => {
    const other = await replica();
    const token = await h.tokenFor('viewer', 'short-lived');
    expect((await get(other, '/runs', token)).status).toBe(200);
    expect((await h.call('DELETE', '/tokens/short-lived')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, RECHECK_MS + 200));
    expect((await get(other, '/runs', token)).status).toBe(401);
  });

  it('refuses a wrong secret for a known id, and an expired token', async () => {
    const token = await h.tokenFor('viewer', 'guessed');
    const wrong = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await h.call('GET', '/runs', { token: wrong })).status).toBe(401);
    expect((await h.call('GET', '/runs', { token })).status).toBe(200);

    const expiring = await h.call('POST', '/tokens', { body: { name: 'expiring', role: 'viewer', expires: '1m' } });
    await h.api.infra.db
      .updateTable('api_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('name', '=', 'expiring')
      .execute();
    await new Promise((resolve) => setTimeout(resolve, RECHECK_MS + 200));
    expect((await h.call('GET', '/runs', { token: expiring.body.token })).status).toBe(401);
  });

  it('validates expiries, names and roles precisely', async () => {
    const bad = await h.call('POST', '/tokens', { body: { name: 'x', role: 'viewer', expires: 'tomorrow' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([
      { path: '/expires', message: expect.stringContaining('neither a lifetime (like 30d') },
    ]);
    const past = await h.call('POST', '/tokens', { body: { name: 'x', role: 'viewer', expires: '2001-01-01' } });
    expect(past.body.error.details[0].message).toBe('"2001-01-01" is not in the future');
    const reserved = await h.call('POST', '/tokens', { body: { name: 'bootstrap-admin', role: 'admin' } });
    expect(reserved.status).toBe(409);
    expect(reserved.body.error.message).toContain('reserved');
    for (const name of ['cron', 'planner', 'upstream:orders.created', 'executor:host-1']) {
      const system = await h.call('POST', '/tokens', { body: { name, role: 'operator' } });
      expect(system.status).toBe(400);
      expect(system.body.error.details).toEqual([
        { path: '/name', message: expect.stringContaining('services write for themselves') },
      ]);
    }
    const viewer = await h.tokenFor('viewer');
    for (const [method, path] of [
      ['GET', '/tokens'],
      ['DELETE', '/tokens/x'],
    ] as const)
      expect((await h.call(method, path, { token: viewer })).status).toBe(403);
  });

  it('replaces the bootstrap token when the variable changes, and keeps it when it does not', async () => {
    const same = await replica();
    expect((await get(same, '/tokens', ADMIN_TOKEN)).status).toBe(200);
    const next = 'the-next-bootstrap-admin-token-0123456789';
    const rotated = await replica({ bootstrapAdminToken: next });
    expect((await get(rotated, '/tokens', next)).status).toBe(200);
    expect((await get(rotated, '/tokens', ADMIN_TOKEN)).status).toBe(401);
    const rows = await h.api.infra.db
      .selectFrom('api_tokens')
      .select(['bootstrap', 'revoked_at'])
      .where('bootstrap', '=', true)
      .execute();
    expect(rows.map((r) => r.revoked_at === null).sort()).toEqual([false, true]);
    // Back to the harness's token, so that the other tests keep their admin.
    await replica();
    expect((await h.call('GET', '/tokens')).status).toBe(200);
  });

  it('refuses a short bootstrap token, and starting without any admin credential', async () => {
    await expect(replica({ bootstrapAdminToken: 'change-me' })).rejects.toThrow(
      'TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN is 9 characters long; at least 32 are needed',
    );
    await h.api.infra.db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('role', '=', 'admin').execute();
    await expect(replica({ bootstrapAdminToken: null })).rejects.toThrow(/the api has no admin credential/);
    await expect(replica({ bootstrapAdminToken: null, insecureNoAuth: true }, '0.0.0.0')).rejects.toThrow(
      /--insecure-no-auth .* refused on 0\.0\.0\.0/,
    );
    const open = await replica({ bootstrapAdminToken: null, insecureNoAuth: true });
    const anonymous = await fetch(`${open.url}/api/v1/tokens`);
    expect(anonymous.status).toBe(200);
  });
});
