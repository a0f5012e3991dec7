import { describe, it, expect } from 'vitest';
import { expectIssue, issuesOf, TASK } from './parse-issues.fixture.js';

describe('parsePipelineSpec: the stage graph', () => {
  it('reports duplicate ids at one level, but allows the same id in different blocks', () => {
    const issues = issuesOf({
      id: 'p',
      stages: [
        { id: 'a', executor: 'noop' },
        {
          group: 'g',
          over: [1],
          stages: [
            { id: 'a', executor: 'noop' },
            { id: 'b', executor: 'noop' },
            { id: 'b', executor: 'noop' },
          ],
        },
        { id: 'a', executor: 'noop' },
        { group: 'g', over: [1], stages: [{ id: 'a', executor: 'noop' }] },
      ],
    });
    expectIssue(issues, '/stages/2/id', 'duplicate stage id "a" at this level (first declared at /stages/0)');
    expectIssue(issues, '/stages/3/group', 'duplicate group name "g"');
    expectIssue(issues, '/stages/1/stages/2/id', 'duplicate stage id "b"');
    expect(issues.filter((issue) => issue.path === '/stages/1/stages/0/id')).toEqual([]);
  });

  it('refuses a nested block named like an enclosing one', () => {
    const issues = issuesOf({
      id: 'p',
      stages: [
        {
          group: 'g',
          over: [1],
          stages: [{ group: 'g', over: [2], stages: [{ id: 'a', executor: 'noop' }] }],
        },
      ],
    });
    expectIssue(issues, '/stages/0/stages/0/group', 'already used by an enclosing block');
  });

  it('reports dependsOn to an unknown stage with a suggestion, at the entry', () => {
    const issues = issuesOf(`id: p
stages:
  - id: generate
    ${TASK}
  - id: evaluate
    ${TASK}
  - id: report
    ${TASK}
    dependsOn: [evaluate, evalute]
`);
    expect(issues).toEqual([
      {
        path: '/stages/2/dependsOn/1',
        message:
          'unknown stage "evalute" in dependsOn (did you mean "evaluate"?); stages at this level: generate, evaluate, report',
        line: 9,
        column: 27,
      },
    ]);
  });

  it('explains a dependsOn that names a stage of another level, a repeated entry, and consolidate', () => {
    const issues = issuesOf({
      id: 'p',
      stages: [
        { group: 'g', over: [1], stages: [{ id: 'inner', executor: 'noop' }] },
        { id: 'after', executor: 'noop', dependsOn: ['inner', 'g', 'g', 'consolidate'] },
      ],
    });
    expectIssue(issues, '/stages/1/dependsOn/0', 'stage "inner" is not at this level', '(g, after)');
    expectIssue(issues, '/stages/1/dependsOn/2', '"g" is listed twice in dependsOn');
    expectIssue(issues, '/stages/1/dependsOn/3', 'cannot depend on the consolidation task');
  });

  it('names each cycle in upstream → downstream order at its first stage', () => {
    const issues = issuesOf({
      id: 'p',
      stages: [
        { id: 'a', executor: 'noop', dependsOn: ['c'] },
        { id: 'b', executor: 'noop' },
        { id: 'c', executor: 'noop' },
        { id: 'd', executor: 'noop', dependsOn: ['d'] },
        {
          group: 'g',
          over: [1],
          dependsOn: [],
          stages: [
            { id: 'x', executor: 'noop', dependsOn: ['y'] },
            { id: 'y', executor: 'noop' },
          ],
        },
      ],
    });
    expectIssue(issues, '/stages/0', 'dependency cycle: a → b → c → a');
    expectIssue(issues, '/stages/3', 'dependency cycle: d → d');
    expectIssue(issues, '/stages/4/stages/0', 'dependency cycle: x → y → x');
    expect(issues).toHaveLength(3);
  });
});

describe('parsePipelineSpec: expressions, pools and params', () => {
  it('reports CEL that does not compile at the field, with the position and the library message', () => {
    const issues = issuesOf({
      id: 'p',
      stages: [
        {
          group: 'g',
          over: 'params.markets',
          key: 'item.',
          stages: [
            { id: 'a', executor: 'noop' },
            {
              id: 'b',
              executor: 'noop',
              map: 'upstream.a +',
              when: 'nope == 1',
              with: { deep: [{ v: '${{ foo(1) }}' }], empty: '${{ }}' },
            },
          ],
        },
      ],
    });
    expectIssue(issues, '/stages/0/key', 'invalid CEL expression: line 1, column 5: ');
    expectIssue(issues, '/stages/0/stages/1/map', 'invalid CEL expression: line 1, column 12: ', 'found +');
    expectIssue(issues, '/stages/0/stages/1/when', 'undeclared reference to "nope"');
    expectIssue(issues, '/stages/0/stages/1/with/deep/0/v', 'unknown function "foo"');
    expectIssue(issues, '/stages/0/stages/1/with/empty', 'is empty');
  });

  it('refuses upstream references that are not direct upstreams', () => {
    const issues = issuesOf({
      id: 'p',
      stages: [
        { id: 'prepare', executor: 'noop' },
        { id: 'side', executor: 'noop', dependsOn: [] },
        {
          group: 'market',
          over: 'upstream.prepare',
          dependsOn: ['prepare'],
          stages: [
            { id: 'generate', executor: 'noop', map: 'upstream.prepare' },
            { id: 'retrieve', executor: 'noop', map: 'upstream.generate', when: 'upstream.side != null' },
            {
              id: 'report',
              executor: 'noop',
              with: { a: '${{ upstream.generate }}', b: '${{ upstream["ner-dif"] }}' },
            },
          ],
        },
        { id: 'late', executor: 'noop', map: 'upstream.generate' },
      ],
      consolidate: { executor: 'c', with: { x: '${{ upstream.market }}' } },
    });
    expectIssue(
      issues,
      '/stages/2/stages/1/when',
      'upstream.side is not a direct upstream of stage "retrieve"',
      'readable upstreams: generate, prepare',
    );
    expectIssue(
      issues,
      '/stages/2/stages/2/with/a',
      'upstream.generate is not a direct upstream of stage "report"',
      'add "generate" to its dependsOn',
    );
    expectIssue(issues, '/stages/2/stages/2/with/b', 'upstream["ner-dif"] is not a direct upstream');
    expectIssue(
      issues,
      '/stages/3/map',
      'upstream.generate is not a direct upstream of stage "late" (readable upstreams: market)',
    );
    expectIssue(issues, '/consolidate/with/x', 'consolidate may not read upstream.market');
    expect(issues).toHaveLength(5);
  });

  it('reports pools that are not declared', () => {
    const issues = issuesOf({
      id: 'p',
      stages: [{ id: 'a', executor: 'noop', pool: 'search-apy' }],
      consolidate: { executor: 'c', pool: 'llm' },
      pools: { 'search-api': { slots: 2 } },
    });
    expectIssue(
      issues,
      '/stages/0/pool',
      'unknown pool "search-apy" (did you mean "search-api"?); declared pools: search-api',
    );
    expectIssue(issues, '/consolidate/pool', 'unknown pool "llm"');
  });

  it('refuses literal over lists whose elements are not unique scalar keys', () => {
    const issues = issuesOf({
      id: 'p',
      stages: [{ group: 'g', over: ['LU', 'PT', 'LU', { a: 1 }], stages: [{ id: 'a', executor: 'noop' }] }],
    });
    expectIssue(issues, '/stages/0/over/2', 'duplicate group key "LU"');
    expectIssue(issues, '/stages/0/over/3', 'set "key"');
  });

  it('refuses params that are not a valid JSON Schema, with the Ajv message', () => {
    expectIssue(
      issuesOf({ id: 'p', params: { type: 'objekt' }, stages: [{ id: 'a', executor: 'noop' }] }),
      '/params/type',
      'invalid JSON Schema: must be equal to one of the allowed values',
    );
    expectIssue(
      issuesOf({
        id: 'p',
        params: { type: 'object', requird: ['x'] },
        stages: [{ id: 'a', executor: 'noop' }],
      }),
      '/params',
      'strict mode: unknown keyword: "requird"',
    );
    expectIssue(
      issuesOf({ id: 'p', params: ['x'], stages: [{ id: 'a', executor: 'noop' }] }),
      '/params',
      'expected',
    );
  });
});

describe('parsePipelineSpec: many errors at once', () => {
  it('reports all of them, sorted by path', () => {
    const issues = issuesOf(`id: p
params: { type: object, propertes: {} }
limits: { maxMapLength: 0 }
stages:
  - id: a
    executor: noop
    retires: 1
  - id: b
    executor: noop
    dependsOn: [c]
    triggerRule: sometimes
  - id: c
    executor: noop
    map: "upstream."
    pool: api
  - group: g
    over: params.markets
    executor: noop
    stages:
      - id: x
        executor: noop
        map: upstream.a
`);
    expect(issues.map((issue) => issue.path)).toEqual([
      '/limits/maxMapLength',
      '/params',
      '/stages/0/retires',
      '/stages/1',
      '/stages/1/triggerRule',
      '/stages/2/map',
      '/stages/2/pool',
      '/stages/3/executor',
      '/stages/3/stages/0/map',
    ]);
    expect(issues.find((issue) => issue.path === '/stages/1')?.message).toBe('dependency cycle: b → c → b');
    expect(issues.every((issue) => typeof issue.line === 'number' && typeof issue.column === 'number')).toBe(
      true,
    );
  });
});
