import { describe, it, expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parsePipelineSpec } from './parse-pipeline-spec.js';
import type { GroupBlockSpec, PipelineSpec, TaskStageSpec } from './pipeline-spec.js';
import fixture from './fixtures/search-quality.yaml?raw';

function parsed(input: string | object, format?: 'yaml' | 'json'): PipelineSpec {
  const result = parsePipelineSpec(input, format);
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2));
  return result.spec;
}

describe('parsePipelineSpec: the DESIGN §4 example', () => {
  const spec = parsed(fixture);
  const market = spec.stages[0] as GroupBlockSpec;
  const task = (id: string): TaskStageSpec => market.stages.find((stage) => stage.id === id) as TaskStageSpec;

  it('reads the top level with defaults applied', () => {
    expect(spec.id).toBe('search-quality');
    expect(spec.description).toBeNull();
    expect(spec.limits).toEqual({
      maxActiveRuns: 4,
      maxActiveTasks: 256,
      maxMapLength: 10_000,
      maxTaskInstances: 100_000,
    });
    expect(spec.defaults).toEqual({
      retries: 2,
      retryDelayMs: 2_000,
      retryBackoff: 'exponential',
      maxRetryDelayMs: 60_000,
      retryJitter: 0,
      timeoutMs: 300_000,
      queuedTimeoutMs: 300_000,
      priority: 1,
    });
    expect(spec.pools).toEqual({ 'search-api': { slots: 8, ratePerSecond: 50 } });
    expect(spec.params).toMatchObject({ type: 'object', required: ['markets'] });
  });

  it('reads the group block and its stages, dependsOn defaulting to the previous entry', () => {
    expect(market).toMatchObject({
      kind: 'group',
      id: 'market',
      over: { kind: 'cel', source: 'params.markets' },
      key: null,
      dependsOn: [],
      triggerRule: 'all_success',
    });
    expect(market.stages.map((stage) => [stage.id, stage.dependsOn])).toEqual([
      ['generate', []],
      ['retrieve', ['generate']],
      ['evaluate', ['retrieve']],
      ['ner-diff', ['evaluate']],
      ['report', ['evaluate', 'ner-diff']],
    ]);
    expect(task('generate')).toMatchObject({
      executor: 'generate-queries',
      map: null,
      when: null,
      with: {},
      maxActive: null,
      pool: null,
      triggerRule: 'all_success',
    });
    expect(task('retrieve')).toMatchObject({
      map: { kind: 'cel', source: 'upstream.generate.queries' },
      maxActive: 16,
      pool: 'search-api',
    });
    expect(task('evaluate').map).toEqual({ kind: 'cel', source: 'upstream.retrieve' });
    expect(task('ner-diff').triggerRule).toBe('all_done');
    expect(task('report').when).toBe('group.key != "LU"');
  });

  it('gives every task the defaults: settings', () => {
    for (const stage of market.stages as TaskStageSpec[]) {
      expect(stage).toMatchObject({
        retries: 2,
        retryDelayMs: 2_000,
        retryBackoff: 'exponential',
        maxRetryDelayMs: 60_000,
        retryJitter: 0,
        timeoutMs: 300_000,
        queuedTimeoutMs: 300_000,
        priority: 1,
      });
    }
  });

  it('reads the consolidation', () => {
    expect(spec.consolidate).toMatchObject({
      id: 'consolidate',
      executor: 'consolidate',
      triggerRule: 'all_done',
      with: {},
      pool: null,
      retries: 2,
      timeoutMs: 300_000,
      queuedTimeoutMs: 300_000,
    });
  });

  it('gives the same spec from an object and from JSON text', () => {
    const raw = parseYaml(fixture) as object;
    expect(parsed(raw)).toEqual(spec);
    expect(parsed(JSON.stringify(raw), 'json')).toEqual(spec);
  });
});

describe('parsePipelineSpec: defaults and settings', () => {
  it('uses built-ins without defaults:, stage settings over defaults:, and explicit null timeouts', () => {
    const spec = parsed(`
id: p
defaults: { retries: 3, timeout: 1m }
stages:
  - id: a
    executor: noop
  - id: b
    executor: noop
    retries: 0
    retryDelay: 500
    retryBackoff: exponential
    maxRetryDelay: 1h30m
    retryJitter: 0.25
    timeout: null
    priority: -5
    dependsOn: []
    with: { value: "\${{ params.x }}" }
consolidate: { executor: consolidate }
`);
    const [a, b] = spec.stages as TaskStageSpec[];
    expect(a).toMatchObject({
      retries: 3,
      retryDelayMs: 1_000,
      retryBackoff: 'fixed',
      maxRetryDelayMs: 3_600_000,
      retryJitter: 0,
      timeoutMs: 60_000,
      queuedTimeoutMs: 300_000,
      priority: 1,
      dependsOn: [],
    });
    expect(b).toMatchObject({
      retries: 0,
      retryDelayMs: 500,
      retryBackoff: 'exponential',
      maxRetryDelayMs: 5_400_000,
      retryJitter: 0.25,
      timeoutMs: null,
      queuedTimeoutMs: 300_000,
      priority: -5,
      dependsOn: [],
    });
    expect(b?.with).toEqual({ value: '${{ params.x }}' });
    expect(spec.limits).toEqual({
      maxActiveRuns: null,
      maxActiveTasks: null,
      maxMapLength: 10_000,
      maxTaskInstances: 100_000,
    });
    expect(spec.params).toBeNull();
    expect(spec.pools).toEqual({});
    expect(spec.consolidate).toMatchObject({ triggerRule: 'all_success', retries: 3, timeoutMs: 60_000 });
  });

  it('reads literal lists, keys, nested blocks and JSON input', () => {
    const spec = parsed(
      JSON.stringify({
        id: 'nested',
        description: 'two levels',
        limits: { maxMapLength: 50 },
        stages: [
          { id: 'prepare', executor: 'list', with: { n: 3 } },
          {
            group: 'market',
            over: [{ code: 'LU' }, { code: 'PT' }],
            key: 'item.code',
            stages: [
              {
                group: 'lang',
                over: 'upstream.prepare',
                stages: [{ id: 'translate', executor: 'echo', map: [1, 2] }],
              },
            ],
          },
        ],
      }),
      'json',
    );
    const market = spec.stages[1] as GroupBlockSpec;
    expect(spec.description).toBe('two levels');
    expect(spec.limits.maxMapLength).toBe(50);
    expect(market).toMatchObject({
      over: { kind: 'literal', items: [{ code: 'LU' }, { code: 'PT' }] },
      key: 'item.code',
      dependsOn: ['prepare'],
    });
    expect(market.stages[0]).toMatchObject({
      kind: 'group',
      id: 'lang',
      dependsOn: [],
      over: { kind: 'cel', source: 'upstream.prepare' },
    });
    expect((market.stages[0] as GroupBlockSpec).stages[0]).toMatchObject({
      id: 'translate',
      map: { kind: 'literal', items: [1, 2] },
    });
  });
});
