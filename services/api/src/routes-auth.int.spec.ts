import type { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from './api.js';
import { ROLES, roleRank, type Role } from './auth/principal.js';
import { nestRoutes, type NestRoute } from './openapi/nest-routes.js';
import { startApiHarness, type ApiHarness } from './test-support/api-harness.js';

/** Every route of every controller Nest knows, with the least role its guard needs (admin by default). */
const routesOf = (h: ApiHarness): NestRoute[] => nestRoutes(h.api.app.get(ModulesContainer), API_PREFIX);

/** Every route Express itself would answer (so a route added outside a controller cannot escape either). */
function expressRoutes(h: ApiHarness): string[] {
  const app = (h.api.app as INestApplication).getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  return app.router.stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods)
          .filter((m) => m !== '_all')
          .map((m) => `${m.toUpperCase()} ${layer.route!.path}`)
      : [],
  );
}

const concrete = (path: string): string => path.replace(/:\w+/g, 'x');

/** Issue #10: each route answers 401 without, with an unknown and with a revoked token, 403 below its role. */
describe('api: authentication and roles on every route', () => {
  let h: ApiHarness;
  let routes: NestRoute[];
  const tokens = {} as Record<Role | 'revoked' | 'expired', string>;

  beforeAll(async () => {
    h = await startApiHarness();
    routes = routesOf(h);
    for (const role of ROLES) tokens[role] = await h.tokenFor(role, `route-${role}`);
    tokens.revoked = await h.tokenFor('admin', 'route-revoked');
    expect((await h.call('DELETE', '/tokens/route-revoked')).status).toBe(200);
    tokens.expired = await h.tokenFor('admin', 'route-expired');
    await h.api.infra.db
      .updateTable('api_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('name', '=', 'route-expired')
      .execute();
  });
  afterAll(() => h?.close());

  it('knows every route Express serves, and only healthz and the api description are public', () => {
    expect(routes.length).toBeGreaterThan(15);
    expect(routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(expressRoutes(h).sort());
    expect(routes.filter((r) => r.minRole === 'public').map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/v1/healthz',
      // They describe the routes, not data (openapi/openapi.controller.ts).
      'GET /api/v1/openapi.json',
      'GET /api/v1/docs',
    ]);
  });

  it('answers 401 without a token, with an unknown, a revoked and an expired token', async () => {
    const unknown = `trb_${'0'.repeat(16)}_${'A'.repeat(43)}`;
    for (const route of routes.filter((r) => r.minRole !== 'public')) {
      const path = concrete(route.path).slice(API_PREFIX.length + 1);
      const body = route.method === 'GET' ? undefined : {};
      for (const token of [null, unknown, 'not-a-token', tokens.revoked, tokens.expired]) {
        const res = await h.call(route.method, path, { token, body });
        expect(res.status, `${route.method} ${route.path} with ${token ?? 'no token'}`).toBe(401);
        expect(res.body.error.code).toBe('unauthorized');
      }
    }
  });

  it('answers 403 to every role below the route’s least role', async () => {
    let checked = 0;
    for (const route of routes.filter((r) => r.minRole !== 'public')) {
      const path = concrete(route.path).slice(API_PREFIX.length + 1);
      const body = route.method === 'GET' ? undefined : {};
      for (const role of ROLES.filter((r) => roleRank(r) < roleRank(route.minRole as Role))) {
        const res = await h.call(route.method, path, { token: tokens[role], body });
        expect(res.status, `${route.method} ${route.path} as ${role}`).toBe(403);
        expect(res.body.error.message).toContain(`needs the ${route.minRole} role`);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});
