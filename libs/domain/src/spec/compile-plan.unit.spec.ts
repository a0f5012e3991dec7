import { describe, it, expect } from 'vitest';
import { compilePlan } from './compile-plan.js';
import type { CompiledPlan, PlanBlockNode, PlanNode, PlanTaskNode } from './compiled-plan.js';
import { parsePipelineSpec } from './parse-pipeline-spec.js';
import fixture from './fixtures/search-quality.yaml?raw';

function planOf(input: string | object): CompiledPlan {
  const parsed = parsePipelineSpec(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues, null, 2));
  return compilePlan(parsed.spec);
}

const node = (plan: CompiledPlan, path: string): PlanNode => {
  const found = plan.nodes.get(path);
  if (found === undefined) throw new Error(`no node ${path}`);
  return found;
};
const task = (plan: CompiledPlan, path: string) => node(plan, path) as PlanTaskNode;
const block = (plan: CompiledPlan, path: string) => node(plan, path) as PlanBlockNode;

describe('compilePlan: the DESIGN §4 example', () => {
  const plan = planOf(fixture);

  it('names nodes by path, blocks before their children, the consolidation last', () => {
    expect([...plan.nodes.keys()]).toEqual([
      'market',
      'market/generate',
      'market/retrieve',
      'market/evaluate',
      'market/ner-diff',
      'market/report',
      'consolidate',
    ]);
    expect(plan.roots).toEqual(['market']);
    expect(block(plan, 'market').children).toEqual([
      'market/generate',
      'market/retrieve',
      'market/evaluate',
      'market/ner-diff',
      'market/report',
    ]);
    expect(task(plan, 'market/retrieve')).toMatchObject({
      id: 'retrieve',
      blockPath: 'market',
      executor: 'search',
      maxActive: 16,
      pool: 'search-api',
    });
  });

  it('links upstream and downstream at the same level', () => {
    const edges = [...plan.nodes.values()].map((n) => [n.path, n.upstream, n.downstream]);
    expect(edges).toEqual([
      ['market', [], []],
      ['market/generate', [], ['market/retrieve']],
      ['market/retrieve', ['market/generate'], ['market/evaluate']],
      ['market/evaluate', ['market/retrieve'], ['market/ner-diff', 'market/report']],
      ['market/ner-diff', ['market/evaluate'], ['market/report']],
      ['market/report', ['market/evaluate', 'market/ner-diff'], []],
      ['consolidate', ['market'], []],
    ]);
  });

  it('finds the suppliers of mapped stages and blocks', () => {
    expect(task(plan, 'market/generate').mapSuppliers).toEqual([]);
    expect(task(plan, 'market/retrieve').mapSuppliers).toEqual(['generate']);
    expect(task(plan, 'market/evaluate').mapSuppliers).toEqual(['retrieve']);
    expect(block(plan, 'market').overSuppliers).toEqual([]);
  });

  it('builds the consolidation over the top-level group blocks', () => {
    expect(plan.consolidation).toBe(node(plan, 'consolidate'));
    expect(plan.consolidation).toMatchObject({
      path: 'consolidate',
      id: 'consolidate',
      isConsolidation: true,
      blockPath: null,
      upstream: ['market'],
      triggerRule: 'all_done',
      executor: 'consolidate',
    });
    expect(task(plan, 'market/report').isConsolidation).toBe(false);
  });

  it('compiles settings and expressions once', () => {
    expect(task(plan, 'market/retrieve').settings).toEqual({
      retries: 2,
      retryDelayMs: 2_000,
      retryBackoff: 'exponential',
      maxRetryDelayMs: 60_000,
      retryJitter: 0,
      timeoutMs: 300_000,
      queuedTimeoutMs: 300_000,
      priority: 1,
    });
    const report = task(plan, 'market/report');
    expect(
      report.when?.evaluate({ group: { key: 'LU', value: 'LU', path: 'market=LU', parent: null } }),
    ).toEqual({ ok: true, value: false });
    const over = block(plan, 'market').over;
    expect(over.kind === 'cel' && over.expression.evaluate({ params: { markets: ['LU', 'PT'] } })).toEqual({
      ok: true,
      value: ['LU', 'PT'],
    });
    expect(report.input.render({})).toEqual({ ok: true, value: {} });
  });

  it('is deeply frozen and does not freeze the caller’s spec', () => {
    const parsed = parsePipelineSpec(fixture);
    if (!parsed.ok) throw new Error('fixture');
    const frozen = compilePlan(parsed.spec);
    expect(Object.isFrozen(frozen)).toBe(true);
    expect(Object.isFrozen(frozen.spec.stages[0])).toBe(true);
    expect(Object.isFrozen(frozen.roots)).toBe(true);
    expect(Object.isFrozen(frozen.nodes)).toBe(true);
    expect((frozen.nodes as unknown as { set?: unknown }).set).toBeUndefined();
    for (const n of frozen.nodes.values()) {
      expect(Object.isFrozen(n)).toBe(true);
      expect(Object.isFrozen(n.upstream)).toBe(true);
    }
    expect(Object.isFrozen(parsed.spec)).toBe(false);
    expect(() => {
      (frozen.roots as string[]).push('x');
    }).toThrow();
  });
});

describe('compilePlan: shapes', () => {
  it('links branching stages, literal maps, nested blocks and suppliers of an over on an upstream output', () => {
    const plan = planOf({
      id: 'p',
      stages: [
        { id: 'prepare', executor: 'list', with: { n: 3 } },
        { id: 'side', executor: 'noop', dependsOn: [], map: [1, 2] },
        {
          group: 'market',
          over: 'upstream.prepare',
          dependsOn: ['prepare', 'side'],
          stages: [
            {
              group: 'lang',
              over: '["fr", "de"]',
              stages: [
                { id: 'translate', executor: 'echo', with: { v: '${{ group.parent.key + group.key }}' } },
              ],
            },
            { id: 'sum', executor: 'noop' },
          ],
        },
        { id: 'after', executor: 'noop', dependsOn: ['market', 'side'] },
      ],
      consolidate: { executor: 'consolidate' },
    });
    expect(plan.roots).toEqual(['prepare', 'side', 'market', 'after']);
    expect(node(plan, 'prepare').downstream).toEqual(['market']);
    expect(node(plan, 'side').downstream).toEqual(['market', 'after']);
    expect(block(plan, 'market').overSuppliers).toEqual(['prepare']);
    expect(block(plan, 'market/lang')).toMatchObject({
      blockPath: 'market',
      upstream: [],
      downstream: ['market/sum'],
      children: ['market/lang/translate'],
    });
    expect(task(plan, 'market/lang/translate')).toMatchObject({ blockPath: 'market/lang', upstream: [] });
    expect(task(plan, 'side').map).toEqual({ kind: 'literal', items: [1, 2] });
    expect(task(plan, 'side').mapSuppliers).toEqual([]);
    expect(plan.consolidation?.upstream).toEqual(['market']);
  });

  it('puts the consolidation after the top-level leaves when there is no group block', () => {
    const plan = planOf({
      id: 'p',
      stages: [
        { id: 'a', executor: 'noop' },
        { id: 'b', executor: 'noop' },
        { id: 'c', executor: 'noop', dependsOn: ['a'] },
      ],
      consolidate: { executor: 'consolidate', triggerRule: 'all_done' },
    });
    expect(plan.consolidation?.upstream).toEqual(['b', 'c']);
    expect(node(plan, 'a').downstream).toEqual(['b', 'c']);
  });

  it('has no consolidation without consolidate:', () => {
    const plan = planOf({ id: 'p', stages: [{ id: 'a', executor: 'noop' }] });
    expect(plan.consolidation).toBeNull();
    expect(plan.nodes.has('consolidate')).toBe(false);
  });
});

describe('compilePlan: validateParams', () => {
  const plan = planOf(fixture);

  it('accepts a valid payload and returns a copy', () => {
    const params = { markets: ['LU', 'PT'] };
    const result = plan.validateParams(params);
    expect(result).toEqual({ ok: true, params: { markets: ['LU', 'PT'] } });
    expect(result.ok && result.params !== params).toBe(true);
  });

  it('reports issues with JSON-pointer paths under /params and Ajv messages', () => {
    expect(plan.validateParams({ markets: ['LU', 3] })).toEqual({
      ok: false,
      issues: [{ path: '/params/markets/1', message: 'must be string' }],
    });
    expect(plan.validateParams({ markets: [] })).toEqual({
      ok: false,
      issues: [{ path: '/params/markets', message: 'must NOT have fewer than 1 items' }],
    });
    expect(plan.validateParams({})).toEqual({
      ok: false,
      issues: [{ path: '/params/markets', message: "must have required property 'markets'" }],
    });
  });

  it('coerces nothing', () => {
    const typed = planOf({
      id: 'p',
      params: { type: 'object', properties: { n: { type: 'integer' } } },
      stages: [{ id: 'a', executor: 'noop' }],
    });
    expect(typed.validateParams({ n: '3' })).toEqual({
      ok: false,
      issues: [{ path: '/params/n', message: 'must be integer' }],
    });
  });

  it('fills schema defaults into the copy and leaves the input untouched', () => {
    const withDefaults = planOf({
      id: 'p',
      params: {
        type: 'object',
        properties: { markets: { type: 'array', default: ['LU'] } },
        additionalProperties: false,
      },
      stages: [{ id: 'a', executor: 'noop' }],
    });
    const input = {};
    expect(withDefaults.validateParams(input)).toEqual({ ok: true, params: { markets: ['LU'] } });
    expect(input).toEqual({});
    expect(withDefaults.validateParams({ extra: 1 })).toEqual({
      ok: false,
      issues: [{ path: '/params/extra', message: 'must NOT have additional properties' }],
    });
  });

  it('refuses non-object and non-JSON params; with no schema accepts any JSON object', () => {
    const open = planOf({ id: 'p', stages: [{ id: 'a', executor: 'noop' }] });
    expect(open.validateParams({ anything: [1, { deep: null }] })).toEqual({
      ok: true,
      params: { anything: [1, { deep: null }] },
    });
    for (const bad of [null, [], 'x', 3, undefined]) {
      const result = open.validateParams(bad);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.issues[0]?.path).toBe('/params');
    }
    expect(open.validateParams({ when: new Date(0) })).toMatchObject({
      ok: false,
      issues: [{ path: '/params/when' }],
    });
    expect(open.validateParams({ n: Number.NaN })).toMatchObject({
      ok: false,
      issues: [{ path: '/params/n' }],
    });
    expect(plan.validateParams([])).toMatchObject({
      ok: false,
      issues: [{ path: '/params', message: 'params must be a JSON object, got an array' }],
    });
  });
});
