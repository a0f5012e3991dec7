import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import type { INestApplication } from '@nestjs/common';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from './api.js';
import { MIN_ROLE, ROLES, roleRank, type Role } from './auth/principal.js';
import { startApiHarness, type ApiHarness } from './test-support/api-harness.js';

interface Route {
  method: string;
  path: string;
  minRole: Role | 'public';
}

const join = (...parts: (string | undefined)[]): string =>
  `/${parts
    .flatMap((p) => (p ?? '').split('/'))
    .filter(Boolean)
    .join('/')}`;

/** Every route of every controller Nest knows, with the least role its guard needs (admin by default). */
function nestRoutes(h: ApiHarness): Route[] {
  const container = h.api.app.get(ModulesContainer);
  const scanner = new MetadataScanner();
  const routes: Route[] = [];
  for (const module of container.values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!type) continue;
      const base = Reflect.getMetadata(PATH_METADATA, type) as string | undefined;
      for (const name of scanner.getAllMethodNames(type.prototype)) {
        const handler = (type.prototype as Record<string, unknown>)[name] as object;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (path === undefined || method === undefined) continue;
        const minRole =
          (Reflect.getMetadata(MIN_ROLE, handler) as Role | 'public' | undefined) ??
          (Reflect.getMetadata(MIN_ROLE, type) as Role | 'public' | undefined) ??
          'admin';
        routes.push({ method: RequestMethod[method], path: join(API_PREFIX, base, path), minRole });
      }
    }
  }
  return routes;
}

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
  let routes: Route[];
  const tokens = {} as Record<Role | 'revoked' | 'expired', string>;

  beforeAll(async () => {
    h = await startApiHarness();
    routes = nestRoutes(h);
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

  it('knows every route Express serves, and only healthz is public', () => {
    expect(routes.length).toBeGreaterThan(15);
    expect(routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(expressRoutes(h).sort());
    expect(routes.filter((r) => r.minRole === 'public').map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/v1/healthz',
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
