import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, SPEC_YAML, startApiHarness, type ApiHarness } from './test-support/api-harness.js';

describe('api: auth, tokens, health, pipelines, metrics', () => {
  let h: ApiHarness;
  let viewer: string;
  let operator: string;

  beforeAll(async () => {
    h = await startApiHarness();
    viewer = await h.tokenFor('viewer', 'vera');
    operator = await h.tokenFor('operator', 'otto');
  });
  afterAll(() => h?.close());

  it('answers healthz without a token', async () => {
    const res = await h.call('GET', '/healthz', { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', postgres: 'ok', nats: 'ok' });
  });

  it('refuses missing, malformed and unknown tokens with 401', async () => {
    for (const token of [null, 'nope']) {
      const res = await h.call('GET', '/pipelines', { token });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const basic = await h.call('GET', '/pipelines', { token: null, headers: { authorization: 'Basic abc' } });
    expect(basic.status).toBe(401);
    expect(basic.body.error.message).toContain('Bearer');
  });

  it('lets each role do what it may and answers 403 above it', async () => {
    expect((await h.call('GET', '/pipelines', { token: viewer })).status).toBe(200);
    const viewerApply = await h.call('POST', '/pipelines', {
      token: viewer,
      body: SPEC_YAML,
      contentType: 'application/yaml',
    });
    expect(viewerApply.status).toBe(403);
    expect(viewerApply.body.error).toMatchObject({ code: 'forbidden' });
    expect(viewerApply.body.error.message).toContain('admin');
    const viewerTrigger = await h.call('POST', '/pipelines/shipping/runs', {
      token: viewer,
      body: { params: {} },
    });
    expect(viewerTrigger.status).toBe(403);
    const viewerCancel = await h.call('POST', '/runs/r1/cancel', { token: viewer, body: { reason: 'x' } });
    expect(viewerCancel.status).toBe(403);
    const operatorApply = await h.call('POST', '/pipelines', {
      token: operator,
      body: SPEC_YAML,
      contentType: 'application/yaml',
    });
    expect(operatorApply.status).toBe(403);
    const operatorToken = await h.call('POST', '/tokens', {
      token: operator,
      body: { name: 'x', role: 'viewer' },
    });
    expect(operatorToken.status).toBe(403);
  });

  it('creates tokens once per name with validated bodies', async () => {
    const res = await h.call('POST', '/tokens', { body: { name: 'ci-bot', role: 'operator' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'ci-bot', role: 'operator' });
    expect(res.body.token).toMatch(/^trb_/);
    expect((await h.call('GET', '/runs', { token: res.body.token })).status).toBe(200);

    const again = await h.call('POST', '/tokens', { body: { name: 'ci-bot', role: 'viewer' } });
    expect(again.status).toBe(409);
    const bad = await h.call('POST', '/tokens', { body: { name: 'x y', role: 'root', extra: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      '/extra',
      '/name',
      '/role',
    ]);
    const notJson = await h.call('POST', '/tokens', {
      body: '{"name": "a",',
      contentType: 'application/json',
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('invalid_json');
    const notObject = await h.call('POST', '/tokens', { body: [1] });
    expect(notObject.status).toBe(400);
    expect(notObject.body.error.message).toContain('must be a JSON object');
  });

  it('registers the bootstrap token idempotently (a second start changes nothing)', async () => {
    const rows = await h.api.infra.db
      .selectFrom('api_tokens')
      .select(['name', 'role', 'bootstrap'])
      .where('name', '=', 'bootstrap-admin')
      .execute();
    expect(rows).toEqual([{ name: 'bootstrap-admin', role: 'admin', bootstrap: true }]);
    const stored = await h.api.infra.db.selectFrom('api_tokens').select(['token_id', 'secret_hash']).execute();
    expect(
      stored.every(
        (r) => !r.secret_hash!.includes(ADMIN_TOKEN) && /^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/.test(r.secret_hash!),
      ),
    ).toBe(true);
  });

  it('applies a YAML spec, keeps it unchanged on re-apply and versions new content', async () => {
    const first = await h.call('POST', '/pipelines', { body: SPEC_YAML, contentType: 'application/yaml' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id: 'shipping', version: 1, created: true });

    const same = await h.call('POST', '/pipelines', {
      body: SPEC_YAML,
      contentType: 'text/yaml; charset=utf-8',
    });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ id: 'shipping', version: 1, created: false });

    const changed = await h.call('POST', '/pipelines', {
      body: SPEC_YAML.replace('with: { n: 3 }', 'with: { n: 4 }'),
      contentType: 'text/plain',
    });
    expect(changed.status).toBe(201);
    expect(changed.body).toMatchObject({ id: 'shipping', version: 2, created: true });

    const list = await h.call('GET', '/pipelines');
    expect(list.body).toEqual([{ id: 'shipping', version: 2, createdAt: expect.stringMatching(/Z$/) }]);
    const latest = await h.call('GET', '/pipelines/shipping');
    expect(latest.body).toMatchObject({ id: 'shipping', version: 2, createdBy: 'bootstrap-admin' });
    expect(latest.body.source).toContain('n: 4');
    expect(latest.body.spec.id).toBe('shipping');
    const v1 = await h.call('GET', '/pipelines/shipping?version=1', { token: viewer });
    expect(v1.body.version).toBe(1);
    expect(v1.body.source).toBe(SPEC_YAML);
    expect((await h.call('GET', '/pipelines/shipping?version=9')).status).toBe(404);
    expect((await h.call('GET', '/pipelines/nope')).body.error.code).toBe('not_found');
    const badVersion = await h.call('GET', '/pipelines/shipping?version=x');
    expect(badVersion.status).toBe(400);
    expect(badVersion.body.error.details[0].path).toBe('?version');

    const versions = await h.call('GET', '/pipelines/shipping/versions', { token: viewer });
    expect(versions.status).toBe(200);
    expect(versions.body.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(versions.body[1]).toEqual({
      version: 1,
      contentHash: expect.any(String),
      createdAt: expect.stringMatching(/Z$/),
      createdBy: 'bootstrap-admin',
    });
    expect(versions.body[0].contentHash).not.toBe(versions.body[1].contentHash);
    expect((await h.call('GET', '/pipelines/nope/versions')).status).toBe(404);
  });

  it('tells a token who it is and its role (GET /session)', async () => {
    expect((await h.call('GET', '/session', { token: viewer })).body).toEqual({ name: 'vera', role: 'viewer', traceUrl: null });
    expect((await h.call('GET', '/session', { token: operator })).body).toEqual({ name: 'otto', role: 'operator', traceUrl: null });
    expect((await h.call('GET', '/session', { token: null })).status).toBe(401);
  });

  it('applies a JSON spec', async () => {
    const spec = { id: 'json-one', stages: [{ id: 'only', executor: 'noop' }] };
    const res = await h.call('POST', '/pipelines', { body: spec });
    expect(res.status).toBe(201);
    // No executor host runs beside this api: the spec is stored, with a warning at its one executor.
    expect(res.body).toEqual({
      id: 'json-one',
      version: 1,
      created: true,
      warnings: [
        {
          path: '/stages/0/executor',
          message: 'no running host serves executor "noop" (no executor host is running)',
        },
      ],
    });
    expect((await h.call('POST', '/pipelines', { body: spec })).body.created).toBe(false);
  });

  it('refuses an invalid spec with 422 and JSON-pointer paths with lines', async () => {
    const yaml = 'id: broken\nstages:\n  - id: a\n    executr: noop\n';
    const res = await h.call('POST', '/pipelines', { body: yaml, contentType: 'application/yaml' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_spec');
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toContain('/stages/0/executor');
    const located = res.body.error.details.find((d: { path: string }) => d.path === '/stages/0/executr');
    expect(located).toMatchObject({ line: 4 });

    const json = await h.call('POST', '/pipelines', { body: { id: 'j', stages: [{ id: 'a' }] } });
    expect(json.status).toBe(422);
    expect(json.body.error.details.map((d: { path: string }) => d.path)).toContain('/stages/0/executor');

    const unsupported = await h.call('POST', '/pipelines', { body: 'x', contentType: 'application/xml' });
    expect(unsupported.status).toBe(415);
    const empty = await h.call('POST', '/pipelines', { body: '  ', contentType: 'application/yaml' });
    expect(empty.status).toBe(400);
  });

  it('refuses bodies over 4 MiB with 413', async () => {
    const res = await h.call('POST', '/pipelines', {
      body: 'x'.repeat(4 * 1024 * 1024 + 1),
      contentType: 'application/yaml',
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('answers unknown routes and unknown query parameters with precise errors', async () => {
    const route = await h.call('GET', '/nothing-here');
    expect(route.status).toBe(404);
    expect(route.body.error).toEqual({ code: 'not_found', message: 'no route GET /api/v1/nothing-here' });
    const query = await h.call('GET', '/pipelines?limt=5');
    expect(query.status).toBe(400);
    expect(query.body.error.details).toEqual([
      { path: '?limt', message: expect.stringContaining('unknown') },
    ]);
  });

  it('exposes Prometheus metrics', async () => {
    await h.api.infra.db
      .insertInto('runs')
      .values({ run_id: 'm1', pipeline_id: 'shipping', pipeline_version: 1, state: 'running', params: '{}' })
      .execute();
    const res = await fetch(`${h.api.url}/api/v1/metrics`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('# TYPE tributary_runs gauge');
    expect(text).toContain('tributary_runs{state="running"} 1');
    expect(text).toContain('tributary_task_instances{state="pending"} 0');
    expect(text).toContain('# TYPE tributary_http_requests_total counter');
    expect(text).toMatch(/tributary_http_requests_total\{route="\/api\/v1\/pipelines",status="200"\} \d+/);
    expect(text).toMatch(/tributary_http_requests_total\{route="\/api\/v1\/pipelines",status="401"\} \d+/);
    expect(text).toMatch(/tributary_http_requests_total\{route="unmatched",status="404"\} 1/);
  });
});
