import { ModulesContainer } from '@nestjs/core';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from './api.js';
import { nestRoutes, type NestRoute } from './openapi/nest-routes.js';
import type { OpenApiDocument, OpenApiOperation } from './openapi/openapi-document.js';
import { SPEC_YAML, startApiHarness, type ApiHarness } from './test-support/api-harness.js';
import { insertFakeRun, RUN } from './test-support/fake-run.js';

const openApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');
const concrete = (path: string): string => path.replace(/:\w+/g, 'x').slice(API_PREFIX.length + 1);

/** The names a refusal lists after "expected" (QueryFields and BodyFields name every field they read). */
const expectedNames = (message: string): string[] =>
  [...(message.split('expected ')[1] ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1]!).sort();

/** Every `$ref` anywhere in `value`. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === '$ref' && typeof inner === 'string' ? [inner] : refsIn(inner),
  );
}

/** Issue #12: the api publishes its contract, generated from its routes and the api-contract types. */
describe('api: OpenAPI document and reference page', () => {
  let h: ApiHarness;
  let routes: NestRoute[];
  let doc: OpenApiDocument;
  const operationOf = (route: NestRoute): OpenApiOperation | undefined =>
    doc.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];

  beforeAll(async () => {
    h = await startApiHarness();
    routes = nestRoutes(h.api.app.get(ModulesContainer), API_PREFIX);
    const answer = await h.call<OpenApiDocument>('GET', '/openapi.json', { token: null });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    doc = answer.body;
  });
  afterAll(() => h?.close());

  it('describes every route Nest serves, with its method, its role and bearer auth unless public', () => {
    expect(routes.length).toBeGreaterThan(15);
    for (const route of routes) {
      const op = operationOf(route);
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(op!['x-min-role'], `${route.method} ${route.path}`).toBe(route.minRole);
      expect(op!.security, `${route.method} ${route.path}`).toEqual(
        route.minRole === 'public' ? [] : [{ bearer: [] }],
      );
      expect(op!.summary).not.toBe('');
      const pathParams = (op!.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect(pathParams).toEqual([...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]));
    }
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${openApiPath(r.path)}`).sort());
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('defines every schema an operation or a schema refers to, and every api-contract answer type', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas, ref).toHaveProperty([ref.split('/').pop()!]);
    }
    for (const name of [
      'RunViewBody',
      'GridCell',
      'TaskInstancePage',
      'ErrorBody',
      'SessionBody',
      'TokenView',
    ])
      expect(doc.components.schemas).toHaveProperty([name]);
    expect(
      doc.paths['/api/v1/runs/{id}']!.get!.responses['200']!.content!['application/json']!.schema,
    ).toEqual({
      $ref: '#/components/schemas/RunViewBody',
    });
  });

  it('lists exactly the query parameters each GET route accepts', async () => {
    let compared = 0;
    for (const route of routes.filter((r) => r.method === 'GET')) {
      const documented = (operationOf(route)!.parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => p.name)
        .sort();
      const res = await h.call('GET', `${concrete(route.path)}?zz_unknown=1`);
      const issue = (res.body?.error?.details ?? []).find((d: { path: string }) => d.path === '?zz_unknown');
      if (route.path.endsWith('/healthz')) {
        // The health check reads no query (a probe's query is no error).
        expect(issue).toBeUndefined();
        expect(documented).toEqual([]);
        continue;
      }
      expect(res.status, `${route.method} ${route.path}`).toBe(400);
      expect(issue, `${route.method} ${route.path}`).toBeDefined();
      expect(documented, `${route.method} ${route.path}`).toEqual(expectedNames(issue.message as string));
      compared += 1;
    }
    expect(compared).toBeGreaterThan(12);
  });

  it('names exactly the fields each JSON body accepts', async () => {
    let compared = 0;
    for (const route of routes.filter((r) => r.method === 'POST')) {
      const schema = operationOf(route)!.requestBody?.content['application/json']?.schema as
        { $ref?: string } | undefined;
      if (!schema?.$ref) continue;
      const properties = Object.keys(
        (doc.components.schemas[schema.$ref.split('/').pop()!] as { properties: object }).properties,
      ).sort();
      const res = await h.call('POST', concrete(route.path), { body: { zz_unknown: 1 } });
      expect(res.status, `${route.method} ${route.path}`).toBe(400);
      const issue = (res.body.error.details as { path: string; message: string }[]).find(
        (d) => d.path === '/zz_unknown',
      );
      expect(issue, `${route.method} ${route.path}`).toBeDefined();
      expect(properties, `${route.method} ${route.path}`).toEqual(expectedNames(issue!.message));
      compared += 1;
    }
    expect(compared).toBeGreaterThanOrEqual(6);
  });

  it('answers what its schemas say (the generated schemas are closed: no undeclared field passes)', async () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'openapi.json', components: doc.components });
    await insertFakeRun(h);
    const calls: [method: string, path: string, body?: unknown, contentType?: string][] = [
      ['POST', '/pipelines', SPEC_YAML, 'application/yaml'],
      ['POST', '/pipelines', SPEC_YAML, 'application/yaml'],
      ['GET', '/pipelines'],
      ['GET', '/pipelines/shipping'],
      ['GET', '/pipelines/shipping/versions'],
      ['POST', '/pipelines/shipping/runs', { params: { markets: ['LU'] } }],
      ['POST', '/pipelines/nope/runs', {}],
      ['GET', '/runs'],
      ['GET', `/runs/${RUN}`],
      ['GET', `/runs/${RUN}/grid`],
      ['GET', `/runs/${RUN}/events`],
      ['GET', `/runs/${RUN}/tasks?outputs=true`],
      ['GET', `/runs/${RUN}/tasks/${encodeURIComponent('market=LU/fetch')}`],
      ['GET', `/runs/${RUN}/tasks/${encodeURIComponent('market=LU/fetch')}/logs`],
      ['GET', '/session'],
      ['POST', '/tokens', { name: 'schema-check', role: 'viewer', expires: '1d' }],
      ['GET', '/tokens?revoked=true'],
      ['DELETE', '/tokens/schema-check'],
      ['GET', '/executors'],
      ['GET', '/healthz'],
    ];
    const templates = routes.map((r) => ({
      route: r,
      pattern: new RegExp(`^${r.path.replace(/:\w+/g, '[^/]+')}$`),
    }));
    for (const [method, path, body, contentType] of calls) {
      const res = await h.call(method, path, { body, ...(contentType ? { contentType } : {}) });
      const full = `/${API_PREFIX}${path.split('?')[0]}`;
      const match = templates.find((t) => t.route.method === method && t.pattern.test(full));
      expect(match, `${method} ${path}`).toBeDefined();
      const responses = operationOf(match!.route)!.responses;
      const documented = responses[String(res.status)] ?? responses.default!;
      const schema = documented.content!['application/json']!.schema as {
        $ref?: string;
        items?: { $ref: string };
      };
      const validate = ajv.compile(
        JSON.parse(
          JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/'),
        ) as object,
      );
      expect(validate(res.body), `${method} ${path} ${res.status}: ${ajv.errorsText(validate.errors)}`).toBe(
        true,
      );
    }
  });

  it('serves the reference page without a token: every operation and schema, rendered on the server', async () => {
    const res = await h.call<string>('GET', '/docs', { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = res.body;
    expect(page).toMatch(/^<!doctype html>/);
    // No script to serve: the page needs none (its styles are inline, everything else is HTML).
    expect(page).not.toContain('<script');
    expect(page).toContain('href="/api/v1/openapi.json"');
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        expect(page).toContain(`id="${op.operationId}"`);
        expect(page).toContain(`${method.toUpperCase()}</span> <code>${path}</code>`);
      }
    }
    for (const name of Object.keys(doc.components.schemas)) expect(page).toContain(`id="schema-${name}"`);
  });
});
