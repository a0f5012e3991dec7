import { describe, it, expect } from 'vitest';
import { parsePipelineSpec } from './parse-pipeline-spec.js';
import type { PipelineSpec } from './pipeline-spec.js';
import {
  compileUpstreamTriggers,
  evaluateUpstreamMessage,
  MAX_UPSTREAM_KEY_LENGTH,
  type CompiledUpstreamTrigger,
  type UpstreamMessage,
} from './upstream-trigger.js';

const base = { id: 'catalog', stages: [{ id: 'a', executor: 'noop' }] };

function parsed(on: unknown): PipelineSpec {
  const result = parsePipelineSpec({ ...base, on });
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2));
  return result.spec;
}

function issuesOf(on: unknown): { path: string; message: string }[] {
  const result = parsePipelineSpec({ ...base, on });
  if (result.ok) throw new Error('expected the spec to be refused');
  return result.issues.map(({ path, message }) => ({ path, message }));
}

function trigger(on: Record<string, unknown>): CompiledUpstreamTrigger {
  return compileUpstreamTriggers(parsed([on]).on!)[0]!;
}

const message = (text: string | null, subject = 'catalog.updated'): UpstreamMessage => ({
  subject,
  text,
  headers: { 'X-Source': 'pim' },
});

describe('on: parsing', () => {
  it('applies defaults: Tributary’s stream, JSON payload, every event, the event as params, stream+sequence key', () => {
    expect(parsed([{ subject: 'catalog.updated' }]).on).toEqual([
      {
        subject: 'catalog.updated',
        stream: null,
        payload: 'json',
        when: null,
        params: null,
        idempotencyKey: null,
      },
    ]);
  });

  it('keeps a pipeline without on: free of the key (stored specs stay as they were)', () => {
    const result = parsePipelineSpec(base);
    expect(result.ok && 'on' in result.spec).toBe(false);
  });

  it('reads every option, wildcards included', () => {
    expect(
      parsed([
        {
          subject: 'catalog.*.updated.>',
          stream: 'CATALOG',
          payload: 'raw',
          when: 'event != ""',
          params: '{"sku": event}',
          idempotencyKey: 'headers["X-Id"]',
        },
      ]).on![0],
    ).toEqual({
      subject: 'catalog.*.updated.>',
      stream: 'CATALOG',
      payload: 'raw',
      when: 'event != ""',
      params: '{"sku": event}',
      idempotencyKey: 'headers["X-Id"]',
    });
  });

  it('refuses a CEL error at its path with the position inside the expression', () => {
    expect(issuesOf([{ subject: 'a.b', params: '{"sku": event.sku' }])).toEqual([
      {
        path: '/on/0/params',
        message: expect.stringMatching(/^invalid CEL expression: line 1, column \d+: /),
      },
    ]);
  });

  it('refuses variables the event scope does not have, naming the ones it has', () => {
    const [issue] = issuesOf([{ subject: 'a.b', idempotencyKey: 'params.id' }]);
    expect(issue).toEqual({
      path: '/on/0/idempotencyKey',
      message:
        'invalid CEL expression: line 1, column 1: undeclared reference to "params"; expressions see event, subject, headers',
    });
  });

  it('refuses bad subjects, stream names, payload kinds, unknown keys and empty expressions', () => {
    const issues = issuesOf([
      { subject: 'catalog updated' },
      { subject: 'a.>.b' },
      { subject: 'a.b', stream: 'MY.STREAM' },
      { subject: 'a.c', payload: 'xml' },
      { subject: 'a.d', idempotencyKy: 'event.id' },
      { subject: 'a.e', when: '' },
    ]);
    expect(issues.map((i) => i.path)).toEqual([
      '/on/0/subject',
      '/on/1/subject',
      '/on/2/stream',
      '/on/3/payload',
      '/on/4/idempotencyKy',
      '/on/5/when',
    ]);
    expect(issues[4]!.message).toBe('unknown key "idempotencyKy" (did you mean "idempotencyKey"?)');
  });

  it('refuses two entries on the same subject and stream', () => {
    expect(issuesOf([{ subject: 'a.b' }, { subject: 'a.b', when: 'true' }])).toEqual([
      { path: '/on/1/subject', message: expect.stringContaining('on[0] already consumes "a.b"') },
    ]);
  });
});

describe('evaluateUpstreamMessage', () => {
  it('builds params and key from the event, its subject and headers', () => {
    const t = trigger({
      subject: 'catalog.>',
      params: '{"sku": event.sku, "from": subject, "source": headers["X-Source"]}',
      idempotencyKey: 'event.sku + ":" + string(int(event.rev))',
    });
    expect(evaluateUpstreamMessage(t, message('{"sku":"A-1","rev":3}'))).toEqual({
      kind: 'start',
      params: { sku: 'A-1', from: 'catalog.updated', source: 'pim' },
      idempotencyKey: 'A-1:3',
    });
  });

  it('uses the event as params and leaves the key to the caller by default', () => {
    expect(evaluateUpstreamMessage(trigger({ subject: 'a.b' }), message('{"n":1}'))).toEqual({
      kind: 'start',
      params: { n: 1 },
      idempotencyKey: null,
    });
  });

  it('filters with when, and rejects a when that is not a bool', () => {
    const t = trigger({ subject: 'a.b', when: 'event.kind == "product"' });
    expect(evaluateUpstreamMessage(t, message('{"kind":"price"}'))).toEqual({ kind: 'filtered' });
    expect(evaluateUpstreamMessage(t, message('{"kind":"product"}')).kind).toBe('start');
    expect(
      evaluateUpstreamMessage(trigger({ subject: 'a.b', when: 'event.kind' }), message('{"kind":"x"}')),
    ).toEqual({
      kind: 'rejected',
      path: '/on/0/when',
      message: 'when must give a bool, got "x"',
    });
  });

  it('rejects a payload that is not JSON, not UTF-8, or unsafe JSON', () => {
    const t = trigger({ subject: 'a.b' });
    expect(evaluateUpstreamMessage(t, message('{"sku": '))).toMatchObject({
      kind: 'rejected',
      path: '/event',
      message: expect.stringMatching(/^the payload is not JSON: /),
    });
    expect(evaluateUpstreamMessage(t, message(null))).toEqual({
      kind: 'rejected',
      path: '/event',
      message: 'the payload is not UTF-8 text',
    });
    expect(evaluateUpstreamMessage(t, message('{"__proto__": {"x": 1}}'))).toMatchObject({
      kind: 'rejected',
      path: expect.stringMatching(/^\/event/),
    });
  });

  it('gives a raw payload to CEL as text', () => {
    const t = trigger({ subject: 'a.b', payload: 'raw', params: '{"line": event.trim()}' });
    expect(evaluateUpstreamMessage(t, message('  sku=A-1 '))).toMatchObject({
      kind: 'start',
      params: { line: 'sku=A-1' },
    });
  });

  it('rejects CEL evaluation errors with the field and the reason', () => {
    const t = trigger({ subject: 'a.b', params: '{"sku": event.sku}' });
    expect(evaluateUpstreamMessage(t, message('{"id":1}'))).toEqual({
      kind: 'rejected',
      path: '/on/0/params',
      message: expect.stringMatching(/^params failed: \{"sku": event\.sku\}: .*sku/),
    });
  });

  it('rejects params that are not an object, and keys that are empty, too long or not text', () => {
    expect(evaluateUpstreamMessage(trigger({ subject: 'a.b' }), message('[1,2]'))).toMatchObject({
      kind: 'rejected',
      path: '/on/0/params',
      message: expect.stringContaining('params must be a JSON object, got a list (the event itself'),
    });
    const keyed = (key: string) => trigger({ subject: 'a.b', params: '{}', idempotencyKey: key });
    expect(evaluateUpstreamMessage(keyed('""'), message('{}'))).toMatchObject({
      kind: 'rejected',
      path: '/on/0/idempotencyKey',
    });
    expect(evaluateUpstreamMessage(keyed('[1]'), message('{}'))).toMatchObject({
      kind: 'rejected',
      path: '/on/0/idempotencyKey',
    });
    expect(
      evaluateUpstreamMessage(keyed(`"${'k'.repeat(MAX_UPSTREAM_KEY_LENGTH + 1)}"`), message('{}')),
    ).toMatchObject({ kind: 'rejected', path: '/on/0/idempotencyKey' });
    expect(evaluateUpstreamMessage(keyed('42'), message('{}'))).toMatchObject({
      kind: 'start',
      idempotencyKey: '42',
    });
  });

  it('stops a runaway expression with the CEL budget instead of hanging', () => {
    const t = trigger({
      subject: 'a.b',
      params: '{"x": event.n.map(a, event.n.map(b, event.n.map(c, a + b + c)))}',
    });
    const n = JSON.stringify({ n: Array.from({ length: 200 }, (_, i) => i) });
    expect(evaluateUpstreamMessage(t, message(n))).toMatchObject({ kind: 'rejected', path: '/on/0/params' });
  });
});
