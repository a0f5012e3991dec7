import { describe, it, expect } from 'vitest';
import { expectIssue, issuesOf, TASK } from './parse-issues.fixture.js';
import { parsePipelineSpec } from './parse-pipeline-spec.js';

describe('parsePipelineSpec: syntax', () => {
  it('reports a YAML syntax error with line and column', () => {
    const issues = issuesOf('id: p\nstages:\n  - id: a\n    executor: [noop\n');
    expect(issues[0]).toMatchObject({ path: '' });
    expect(issues[0]?.message).toMatch(/^YAML syntax error at line \d+, column \d+: /);
    expect(issues[0]?.line).toBeGreaterThan(0);
  });

  it('reports duplicate YAML keys', () => {
    const issues = issuesOf('id: p\nid: q\nstages: []\n');
    expect(issues[0]).toMatchObject({ path: '', line: 2, column: 1 });
    expect(issues[0]?.message).toContain('unique');
  });

  it('reports a JSON syntax error with line and column', () => {
    const issues = issuesOf('{\n  "id": "p",\n  "stages": [,]\n}', 'json');
    expect(issues[0]).toMatchObject({ path: '', line: 3 });
    expect(issues[0]?.message).toMatch(/^JSON syntax error at line 3, column \d+/);
  });

  it('refuses a document that is not an object', () => {
    expectIssue(issuesOf('- a\n- b\n'), '', 'expected an object, got an array');
  });
});

describe('parsePipelineSpec: shape', () => {
  it('reports an unknown key with a suggestion, at the key', () => {
    const issues = issuesOf(
      `id: p\nstages:\n  - id: a\n    ${TASK}\n  - id: b\n    ${TASK}\n    retires: 3\n`,
    );
    expect(issues).toEqual([
      {
        path: '/stages/1/retires',
        message: 'unknown key "retires" (did you mean "retries"?)',
        line: 7,
        column: 5,
      },
    ]);
  });

  it('reports unknown keys at every level', () => {
    const issues = issuesOf({
      id: 'p',
      stages: [
        { group: 'g', over: [1], stages: [{ id: 'a', executor: 'noop', dependOn: [] }], keys: 'item' },
      ],
      limits: { maxActiveTask: 3 },
      defaults: { retry: 1 },
      pools: { api: { slots: 1, rate: 2 } },
      consolidate: { executor: 'c', when: 'true' },
      descripton: 'x',
    });
    expectIssue(issues, '/stages/0/stages/0/dependOn', 'unknown key "dependOn" (did you mean "dependsOn"?)');
    expectIssue(issues, '/stages/0/keys', 'unknown key "keys" (did you mean "key"?)');
    expectIssue(issues, '/limits/maxActiveTask', 'did you mean "maxActiveTasks"?');
    expectIssue(issues, '/defaults/retry', 'did you mean "retries"?');
    expectIssue(issues, '/pools/api/rate', 'unknown key "rate"');
    expectIssue(issues, '/consolidate/when', 'unknown key "when"');
    expectIssue(issues, '/descripton', 'did you mean "description"?');
  });

  it('refuses a group block with executor and a task with stages', () => {
    const issues = issuesOf({
      id: 'p',
      stages: [
        { group: 'g', over: 'params.x', executor: 'noop', stages: [{ id: 'a', executor: 'noop' }] },
        { id: 't', executor: 'noop', stages: [{ id: 'b', executor: 'noop' }] },
      ],
    });
    expectIssue(issues, '/stages/0/executor', 'a group block cannot have "executor"');
    expectIssue(issues, '/stages/1/stages', 'a task cannot have "stages"');
  });

  it('refuses map and over on the same stage, task or block', () => {
    const issues = issuesOf({
      id: 'p',
      stages: [
        { id: 't', executor: 'noop', map: [1], over: [2] },
        { group: 'g', over: [1], map: [2], stages: [{ id: 'a', executor: 'noop' }] },
      ],
    });
    expectIssue(issues, '/stages/0/over', '"map" and "over" on the same stage');
    expectIssue(issues, '/stages/1/map', '"map" and "over" on the same stage');
  });

  it('reports missing keys, stages that are neither task nor block, and empty lists', () => {
    const issues = issuesOf({
      id: 'p',
      stages: [{ id: 'a' }, { executor: 'noop' }, 'a', { group: 'g', over: [1], stages: [] }],
    });
    expectIssue(issues, '/stages/0/executor', 'missing required key "executor"');
    expectIssue(issues, '/stages/1', 'a stage needs "id" (a task) or "group" (a group block)');
    expectIssue(issues, '/stages/2', 'a stage must be an object');
    expectIssue(issues, '/stages/3/stages', 'a group block needs at least one stage');
    expectIssue(issuesOf({ id: 'p', stages: [] }), '/stages', 'a pipeline needs at least one stage');
    expectIssue(issuesOf({ stages: [{ id: 'a', executor: 'noop' }] }), '/id', 'missing required key "id"');
  });

  it('refuses bad ids, reserved names and bad executor names', () => {
    const issues = issuesOf({
      id: 'Search Quality',
      stages: [
        { id: 'fetch.all', executor: 'noop' },
        { id: 'consolidate', executor: 'noop' },
        { group: 'consolidate', over: [1], stages: [{ id: 'a', executor: 'my.handler' }] },
      ],
    });
    expectIssue(issues, '/id', 'invalid pipeline id "Search Quality"');
    expectIssue(issues, '/stages/0/id', 'invalid stage id "fetch.all": use letters, digits, "_" and "-"');
    expectIssue(issues, '/stages/1/id', '"consolidate" is reserved');
    expectIssue(issues, '/stages/2/group', '"consolidate" is reserved');
    expectIssue(issues, '/stages/2/stages/0/executor', 'invalid executor name "my.handler"');
  });

  it('accepts stage ids and group names Airflow accepts: A, extract_EU (issue #9)', () => {
    const parsed = parsePipelineSpec(
      JSON.stringify({
        id: 'ids',
        stages: [
          { id: 'A', executor: 'noop' },
          { group: 'Region_EU', over: ['x'], stages: [{ id: 'extract_EU', executor: 'noop' }] },
        ],
      }),
      'json',
    );
    expect(parsed.ok).toBe(true);
  });

  it('lists the valid trigger rules for an invalid one', () => {
    const issues = issuesOf({
      id: 'p',
      stages: [{ id: 'a', executor: 'noop', triggerRule: 'all_sucess' }],
      consolidate: { executor: 'c', triggerRule: 'any' },
    });
    expectIssue(
      issues,
      '/stages/0/triggerRule',
      'invalid trigger rule "all_sucess"',
      'all_success, all_failed, all_done, all_done_min_one_success',
      'none_skipped, always',
    );
    expectIssue(issues, '/consolidate/triggerRule', 'invalid trigger rule "any"');
  });

  it('refuses durations that do not parse and a zero timeout', () => {
    const issues = issuesOf({
      id: 'p',
      defaults: { retryDelay: '2 s' },
      stages: [
        { id: 'a', executor: 'noop', timeout: '5x', maxRetryDelay: -1 },
        { id: 'b', executor: 'noop', timeout: 0 },
      ],
      consolidate: { executor: 'c', retryDelay: true },
    });
    expectIssue(issues, '/defaults/retryDelay', 'invalid duration "2 s"');
    expectIssue(issues, '/stages/0/timeout', 'invalid duration "5x"', '"1h30m"');
    expectIssue(issues, '/stages/0/maxRetryDelay', 'invalid duration -1');
    expectIssue(issues, '/stages/1/timeout', 'timeout must be greater than 0');
    expectIssue(issues, '/consolidate/retryDelay', 'invalid duration');
  });

  it('refuses limits that are not positive integers, and bad settings', () => {
    const issues = issuesOf({
      id: 'p',
      limits: { maxActiveRuns: 0, maxActiveTasks: 2.5, maxMapLength: '10' },
      stages: [
        { id: 'a', executor: 'noop', retries: -1, retryJitter: 2, maxActive: 0, retryBackoff: 'linear' },
      ],
      pools: { api: { slots: 0, ratePerSecond: -1 } },
    });
    expectIssue(issues, '/limits/maxActiveRuns', 'maxActiveRuns must be a positive integer, got 0');
    expectIssue(issues, '/limits/maxActiveTasks', 'maxActiveTasks must be a positive integer, got 2.5');
    expectIssue(issues, '/limits/maxMapLength', 'maxMapLength must be a positive integer, got "10"');
    expectIssue(issues, '/stages/0/retries', 'retries must be a non-negative integer');
    expectIssue(issues, '/stages/0/retryJitter', 'retryJitter must be between 0 and 1');
    expectIssue(issues, '/stages/0/maxActive', 'maxActive must be a positive integer');
    expectIssue(issues, '/stages/0/retryBackoff', 'expected fixed or exponential');
    expectIssue(issues, '/pools/api/slots', 'slots must be a positive integer');
    expectIssue(issues, '/pools/api/ratePerSecond', 'ratePerSecond must be a positive number');
  });
});

describe('parsePipelineSpec: types', () => {
  it('reports wrong types with readable messages', () => {
    const issues = issuesOf({
      id: 'p',
      stages: [
        { id: 'a', executor: 'noop', map: 5, dependsOn: 'x', with: 'y', when: 3 },
        { id: 'b', executor: 'noop', with: { n: Number.POSITIVE_INFINITY } },
        { group: 'g', over: {}, key: '', stages: [{ id: 'c', executor: 'noop' }] },
      ],
      pools: { 'Search API': { slots: 1 } },
    });
    expectIssue(issues, '/stages/0/map', 'expected a CEL expression (a string) or a literal list, got 5');
    expectIssue(issues, '/stages/0/dependsOn', 'expected an array, got "x"');
    expectIssue(issues, '/stages/0/with', 'expected an object, got "y"');
    expectIssue(issues, '/stages/0/when', 'expected a CEL expression (a string), got 3');
    expectIssue(issues, '/stages/1/with/n', 'expected a JSON value', 'got Infinity');
    expectIssue(issues, '/stages/2/over', 'expected a CEL expression (a string) or a literal list, got {}');
    expectIssue(issues, '/stages/2/key', 'a CEL expression cannot be empty');
    expectIssue(issues, '/pools/Search API', 'invalid pool name "Search API"');
  });
});
