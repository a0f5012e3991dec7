import { describe, expect, it } from 'vitest';
import { RunHarness, planOf, type Outcome } from './run.fixture.js';
import { initialRunState } from './run-state.js';
import { evolve } from './run-evolve.js';
import { parsePipelineSpec } from '../spec/parse-pipeline-spec.js';

const SPEC = `
id: labels
params:
  type: object
  properties: { markets: { type: array } }
stages:
  - group: market
    over: params.markets
    key: item.code
    label: '"market " + item.name'
    stages:
      - id: generate
        executor: gen
      - id: retrieve
        executor: search
        map: upstream.generate
        label: '"query: " + item.text'
      - id: after
        executor: noop
`;

const MARKETS = [
  { code: 'LU', name: 'Luxembourg' },
  { code: 'PT', name: 'Portugal' },
];

const answer =
  (queries: Record<string, unknown[]>) =>
  (taskId: string): Outcome =>
    taskId.endsWith('/generate')
      ? { outcome: 'success', output: queries[taskId.slice(7, 9)] as never }
      : { outcome: 'success', output: null };

describe('map labels (label: on a mapped stage or a group block)', () => {
  it('computes one label per instance and per group when the map/block expands, records them in the expansion events, and replay gives the same', () => {
    const run = new RunHarness(planOf(SPEC));
    run.start({ markets: MARKETS });
    run.drive(answer({ LU: [{ text: 'red dress' }, { text: 'blue shoes' }], PT: [{ text: 'sapatos' }] }));
    const [groups] = run.eventsOfType('GroupsExpanded');
    expect(groups!.groups.map((g) => [g.path, g.label])).toEqual([
      ['market=LU', 'market Luxembourg'],
      ['market=PT', 'market Portugal'],
    ]);
    const maps = run.eventsOfType('TaskMapExpanded');
    expect(maps.map((e) => [e.groupPath, e.labels])).toEqual([
      ['market=LU', ['query: red dress', 'query: blue shoes']],
      ['market=PT', ['query: sapatos']],
    ]);
    expect(run.state.tasks.get('market=LU/retrieve[1]')!.label).toBe('query: blue shoes');
    expect(run.state.groups.get('market=PT')!.label).toBe('market Portugal');
    expect(run.state.tasks.get('market=LU/after')!.label).toBeNull();
    const replayed = initialRunState(run.plan);
    for (const event of run.events) evolve(replayed, event);
    expect([...replayed.tasks.values()].map((t) => [t.taskId, t.label])).toEqual(
      [...run.state.tasks.values()].map((t) => [t.taskId, t.label]),
    );
    expect(run.state.run.status).toBe('success');
  });

  it('a label that cannot be computed fails only that stage, naming the element (like a bad map expression)', () => {
    const run = new RunHarness(planOf(SPEC));
    run.start({ markets: MARKETS });
    run.drive(answer({ LU: [{ text: 'ok' }, { nope: 1 }], PT: [{ text: 'sapatos' }] }));
    const failed = run.state.tasks.get('market=LU/retrieve')!;
    expect(failed.state).toBe('failed');
    expect(failed.error!.type).toBe('MapError');
    expect(failed.error!.message).toMatch(/^label of element 1: "query: " \+ item\.text: /);
    expect(run.stateOf('market=LU/after')).toBe('upstream_failed');
    expect(run.stateOf('market=PT/retrieve[0]')).toBe('success');
    expect(run.state.groups.get('market=PT')!.state).toBe('success');
  });

  it('a group label that is not text makes only that block unresolved, with the reason', () => {
    const run = new RunHarness(planOf(SPEC.replace(`label: '"market " + item.name'`, 'label: item')));
    run.start({ markets: MARKETS });
    const [groups] = run.eventsOfType('GroupsExpanded');
    expect(groups!.unresolved).toBe('upstream_failed');
    expect(groups!.error).toBe('label of element 0: item gave an object, not a string');
  });

  it('label is refused on a stage without map, and its CEL is checked when the spec is applied', () => {
    const noMap = parsePipelineSpec(
      SPEC.replace(
        `      - id: after\n        executor: noop`,
        `      - id: after\n        executor: noop\n        label: '"x"'`,
      ),
      'yaml',
    );
    expect(noMap.ok ? [] : noMap.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      '/stages/0/stages/2/label: label names the instances of a mapped stage or the groups of a block: stage "after" has no map',
    ]);
    const badCel = parsePipelineSpec(SPEC.replace(`'"query: " + item.text'`, `'upstream.nope'`), 'yaml');
    expect(badCel.ok ? [] : badCel.issues.map((i) => i.path)).toEqual(['/stages/0/stages/1/label']);
  });
});
