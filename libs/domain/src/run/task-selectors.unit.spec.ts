import { describe, expect, it } from 'vitest';
import type { TaskState } from '../rules/task-state.js';
import { invalidTaskSelectorReason, selectTaskInstances } from './task-selectors.js';
import { RunHarness, planOf } from './run.fixture.js';
import { planClear } from './clear-plan.js';

const RUN: [string, TaskState][] = [
  ['prepare', 'success'],
  ['market=GR/generate', 'success'],
  ['market=GR/retrieve[0]', 'success'],
  ['market=GR/retrieve[3]', 'failed'],
  ['market=GR/evaluate', 'upstream_failed'],
  ['market=GR/lang=el/translate', 'success'],
  ['market=LU/generate', 'success'],
  ['market=LU/retrieve[3]', 'success'],
  ['market=LU/evaluate', 'failed'],
  ['market=LUX/evaluate', 'success'],
  ['consolidate', 'pending'],
];
const instances = RUN.map(([taskId, state]) => ({ taskId, state }));
const select = (selectors: string[], states?: TaskState[]) =>
  selectTaskInstances(instances, selectors, { states });

describe('task selectors', () => {
  it('an exact task id selects only that instance', () => {
    expect(select(['market=GR/retrieve[3]']).taskIds).toEqual(['market=GR/retrieve[3]']);
    expect(select(['consolidate']).taskIds).toEqual(['consolidate']);
  });

  it('a group path selects every instance in it, nested groups included, and no group whose key only starts alike', () => {
    const expected = [
      'market=GR/generate',
      'market=GR/retrieve[0]',
      'market=GR/retrieve[3]',
      'market=GR/evaluate',
      'market=GR/lang=el/translate',
    ];
    expect(select(['market=GR']).taskIds).toEqual(expected);
    expect(select(['market=GR/*']).taskIds).toEqual(expected);
    expect(select(['market=LU']).taskIds).toEqual([
      'market=LU/generate',
      'market=LU/retrieve[3]',
      'market=LU/evaluate',
    ]);
  });

  it('`*` stands for one segment; a stage without index selects every index; a bare stage matches at any depth', () => {
    expect(select(['*/evaluate']).taskIds).toEqual([
      'market=GR/evaluate',
      'market=LU/evaluate',
      'market=LUX/evaluate',
    ]);
    expect(select(['retrieve[3]']).taskIds).toEqual(['market=GR/retrieve[3]', 'market=LU/retrieve[3]']);
    expect(select(['market=GR/retrieve']).taskIds).toEqual([
      'market=GR/retrieve[0]',
      'market=GR/retrieve[3]',
    ]);
    expect(select(['translate']).taskIds).toEqual(['market=GR/lang=el/translate']);
    expect(select(['market=LU*/evaluate']).taskIds).toEqual(['market=LU/evaluate', 'market=LUX/evaluate']);
    expect(select(['*']).taskIds).toHaveLength(RUN.length);
  });

  it('the state filter keeps matched instances in those states; a selector that matched other states is not unmatched', () => {
    expect(select(['*/evaluate'], ['failed'])).toEqual({ taskIds: ['market=LU/evaluate'], unmatched: [] });
    expect(select(['market=GR'], ['failed', 'upstream_failed']).taskIds).toEqual([
      'market=GR/retrieve[3]',
      'market=GR/evaluate',
    ]);
    expect(select(['prepare'], ['failed'])).toEqual({ taskIds: [], unmatched: [] });
  });

  it('reports the selectors that match nothing, and lists an instance once when several selectors match it', () => {
    expect(select(['market=FR', 'market=GR/evaluate', 'evaluate'])).toEqual({
      taskIds: ['market=GR/evaluate', 'market=LU/evaluate', 'market=LUX/evaluate'],
      unmatched: ['market=FR'],
    });
    expect(select(['retrieve[7]']).unmatched).toEqual(['retrieve[7]']);
  });

  it('refuses malformed selectors with the reason', () => {
    expect(invalidTaskSelectorReason('')).toBe('is empty');
    expect(invalidTaskSelectorReason('market=GR//x')).toBe('has an empty path segment');
    expect(invalidTaskSelectorReason('market=GR/ x')).toBe('contains whitespace');
    expect(invalidTaskSelectorReason('retrieve[3]/x')).toBe('has a map index other than a final [n] or [*]');
    expect(invalidTaskSelectorReason('retrieve[a]')).toBe('has a map index other than a final [n] or [*]');
    expect(invalidTaskSelectorReason('market=GR/retrieve[*]')).toBeNull();
  });
});

const MARKETS = `
id: markets
params: { type: object, required: [markets], properties: { markets: { type: array, items: { type: string } } } }
stages:
  - group: market
    over: params.markets
    stages:
      - { id: generate, executor: gen }
      - { id: evaluate, executor: judge }
consolidate: { executor: consolidate, triggerRule: all_done }
`;

describe('planClear (group retry)', () => {
  it('clearing a whole group with downstream names its instances, successful ones included, and the consolidation — never another group', () => {
    const run = new RunHarness(planOf(MARKETS));
    run.start({ markets: ['LU', 'GR'] });
    run.drive((taskId) => (taskId === 'market=GR/evaluate' ? { outcome: 'failed' } : { outcome: 'success' }));
    expect(run.state.run.status).toBe('success');
    const plan = planClear(run.state, {
      type: 'ClearTaskInstances',
      runId: 'run-1',
      taskIds: ['market=GR'],
      downstream: true,
      onlyFailed: false,
      actor: 'op',
    });
    // Run order: the consolidation instance exists from the start.
    expect('instances' in plan && plan.instances.map((r) => r.taskId)).toEqual([
      'consolidate',
      'market=GR/generate',
      'market=GR/evaluate',
    ]);
    const unknown = planClear(run.state, {
      type: 'ClearTaskInstances',
      runId: 'run-1',
      taskIds: ['market=FR'],
      downstream: true,
      onlyFailed: false,
      actor: 'op',
    });
    expect(unknown).toEqual({
      code: 'unknown_task',
      message: "run run-1 has no task instance matching 'market=FR'",
    });
  });

  it('the decider clears exactly the planned instances, records the actor, an empty reason when none was given, and names them', () => {
    const run = new RunHarness(planOf(MARKETS));
    run.start({ markets: ['LU', 'GR'] });
    run.drive(() => ({ outcome: 'success' }));
    const decision = run.send({
      type: 'ClearTaskInstances',
      runId: 'run-1',
      taskIds: ['*/evaluate'],
      states: ['success'],
      downstream: true,
      onlyFailed: false,
      actor: 'op',
    });
    expect(decision.affected).toEqual(['consolidate', 'market=LU/evaluate', 'market=GR/evaluate']);
    const cleared = decision.events.filter((e) => e.type === 'TaskInstanceCleared');
    expect(cleared.map((e) => [e.taskId, e.actor, e.reason])).toEqual([
      ['consolidate', 'op', ''],
      ['market=LU/evaluate', 'op', ''],
      ['market=GR/evaluate', 'op', ''],
    ]);
  });
});
