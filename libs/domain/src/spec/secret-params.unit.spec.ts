import { describe, expect, it } from 'vitest';
import { compilePlan } from './compile-plan.js';
import { compileParamsSchema } from './params-schema.js';
import { parsePipelineSpec } from './parse-pipeline-spec.js';
import type { Json } from './pipeline-spec.js';
import { checkSecretParams, secretParamPaths, unsealedSecretPaths } from './secret-params.js';

const schema: Record<string, Json> = {
  type: 'object',
  required: ['token'],
  properties: {
    token: { type: 'string', minLength: 8, 'x-secret': true },
    db: {
      type: 'object',
      properties: { user: { type: 'string' }, password: { type: 'string', writeOnly: true } },
    },
    market: { type: 'string' },
  },
  additionalProperties: false,
};

const envelope = { $secret: { v: 1, kid: 'k', dk: 'a', iv: 'b', ct: 'c', tag: 'd', digest: 'sha256:00' } };

describe('secretParamPaths', () => {
  it('finds x-secret and writeOnly properties, top level and nested through properties', () => {
    expect(secretParamPaths(schema)).toEqual([['token'], ['db', 'password']]);
    expect(secretParamPaths(null)).toEqual([]);
  });
});

describe('compileParamsSchema with secret params', () => {
  const compiled = compileParamsSchema(schema);
  if (!compiled.ok) throw new Error('schema must compile');
  it('checks a clear secret against its own schema, with a plain error', () => {
    expect(compiled.validate({ token: 'short' })).toEqual({
      ok: false,
      issues: [{ path: '/params/token', message: 'must NOT have fewer than 8 characters' }],
    });
    expect(compiled.validate({ token: 'long enough', db: { password: 'pw' } })).toMatchObject({ ok: true });
  });
  it('accepts the stored form: an envelope or a redacted marker in place of the value', () => {
    expect(compiled.validate({ token: envelope, db: { user: 'u', password: envelope } })).toMatchObject({ ok: true });
    expect(compiled.validate({ token: { $secret: 'sha256:ab' } })).toMatchObject({ ok: true });
  });
  it('does not let a marker stand in for a param that is not secret', () => {
    expect(compiled.validate({ token: envelope, market: envelope })).toMatchObject({ ok: false });
  });
});

describe('unsealedSecretPaths', () => {
  it('names the secret params present in clear', () => {
    const paths = secretParamPaths(schema);
    expect(unsealedSecretPaths({ token: 'clear', db: { password: envelope } }, paths)).toEqual([['token']]);
    expect(unsealedSecretPaths({ token: envelope }, paths)).toEqual([]);
  });
});

describe('checkSecretParams (apply time)', () => {
  const base = { id: 'p', stages: [{ id: 'a', executor: 'e' }] };
  it('refuses a secret with a default, a mark out of reach, a non-boolean mark', () => {
    const issues = checkSecretParams({
      ...base,
      params: {
        type: 'object',
        properties: {
          a: { type: 'string', 'x-secret': true, default: 'x' },
          list: { type: 'array', items: { type: 'string', 'x-secret': true } },
          b: { type: 'string', 'x-secret': 'yes' },
        },
      },
    });
    expect(issues.map((i) => i.path)).toEqual([
      '/params/properties/a/default',
      '/params/properties/list/items/x-secret',
      '/params/properties/b/x-secret',
    ]);
    expect(issues[0]!.message).toContain('readable by every viewer');
  });
  it('refuses upstream triggers and a schedule that sets a secret', () => {
    const params = { type: 'object', properties: { token: { type: 'string', 'x-secret': true } } };
    const issues = checkSecretParams({
      ...base,
      params,
      on: [{ subject: 'x.y' }],
      schedule: { cron: '0 * * * *', params: { token: 'in the spec' } },
    });
    expect(issues.map((i) => i.path)).toEqual(['/on', '/schedule/params/token']);
    expect(issues[0]!.message).toContain('/params/token');
  });
  it('parsePipelineSpec reports them with a pointer, and compilePlan lists the secret params', () => {
    const refused = parsePipelineSpec({
      ...base,
      params: { type: 'object', properties: { token: { type: 'string', writeOnly: true, default: 'x' } } },
    });
    expect(refused).toMatchObject({ ok: false, issues: [{ path: '/params/properties/token/default' }] });
    const parsed = parsePipelineSpec({ ...base, params: schema });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(compilePlan(parsed.spec).secretParams).toEqual([['token'], ['db', 'password']]);
  });
});
