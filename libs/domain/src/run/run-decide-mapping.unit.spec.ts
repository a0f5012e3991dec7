import { describe, expect, it } from 'vitest';
import { RunHarness, planOf } from './run.fixture.js';
import { ok } from './run-decide.fixture.js';

const SHIPPING = `
id: shipping
stages:
  - id: fetch_items
    executor: list
  - id: process
    executor: process
    map: upstream.fetch_items
    maxActive: 3
  - id: summarize
    executor: summarize
`;

describe('run decider: dynamic mapping', () => {
  it('given a supplier returning 12 items, then 12 indexed instances run and the reduce receives ordered outputs', () => {
    const run = new RunHarness(planOf(SHIPPING));
    run.start({});
    run.drive((taskId) => {
      if (taskId === 'fetch_items') return ok([...Array(12).keys()]);
      const index = /\[(\d+)\]$/.exec(taskId)?.[1];
      return ok(index === undefined ? 'summary' : Number(index) * 10);
    });
    expect([...run.state.tasks.keys()].filter((id) => id.startsWith('process['))).toHaveLength(12);
    expect(run.stateOf('process[11]')).toBe('success');
    expect(run.state.run.status).toBe('success');
  });

  it('given one item failing, then summarize is upstream_failed, and clearing the item makes the run succeed by itself', () => {
    const run = new RunHarness(planOf(SHIPPING));
    run.start({});
    let failing = true;
    run.drive((taskId) => {
      if (taskId === 'fetch_items') return ok([0, 1, 2, 3]);
      if (taskId === 'process[2]' && failing) return { outcome: 'failed' };
      return ok(taskId);
    });
    expect(run.stateOf('summarize')).toBe('upstream_failed');
    expect(run.state.run.status).toBe('failed');
    failing = false;
    run.send({
      type: 'ClearTaskInstances',
      runId: 'run-1',
      taskIds: ['process[2]'],
      downstream: true,
      onlyFailed: false,
      actor: 'op',
      reason: 'flaky',
    });
    expect(run.stateOf('process[1]')).toBe('success');
    expect(run.stateOf('summarize')).toBe('pending');
    run.drive(() => ok('again'));
    expect(run.stateOf('summarize')).toBe('success');
    expect(run.state.run.status).toBe('success');
  });

  it('given an empty list, then the mapped task is one skipped instance without index and the reduce is skipped', () => {
    const run = new RunHarness(planOf(SHIPPING));
    run.start({});
    run.drive((taskId) => ok(taskId === 'fetch_items' ? [] : null));
    expect(run.state.tasks.get('process')?.mapIndex).toBeNull();
    expect(run.stateOf('process')).toBe('skipped');
    expect(run.stateOf('summarize')).toBe('skipped');
    expect(run.state.run.status).toBe('success');
  });

  it('given the supplier fails, then the mapped task is upstream_failed without expanding; clearing the supplier re-expands it', () => {
    const run = new RunHarness(planOf(SHIPPING));
    run.start({});
    let fail = true;
    run.drive((taskId) =>
      taskId === 'fetch_items' && fail
        ? { outcome: 'failed' }
        : ok(taskId === 'fetch_items' ? ['a', 'b'] : 1),
    );
    expect(run.stateOf('process')).toBe('upstream_failed');
    fail = false;
    run.send({
      type: 'ClearTaskInstances',
      runId: 'run-1',
      taskIds: ['fetch_items'],
      downstream: true,
      onlyFailed: false,
      actor: 'op',
      reason: 'fixed',
    });
    expect(run.state.tasks.has('process')).toBe(false);
    run.drive((taskId) => ok(taskId === 'fetch_items' ? ['a', 'b'] : 1));
    expect(run.stateOf('process[0]')).toBe('success');
    expect(run.stateOf('process[1]')).toBe('success');
    expect(run.state.run.status).toBe('success');
  });

  it('fails the supplier when its output exceeds maxMapLength', () => {
    const run = new RunHarness(planOf(`${SHIPPING}limits: { maxMapLength: 3 }\n`));
    run.start({});
    run.drive(() => ok([1, 2, 3, 4]));
    expect(run.stateOf('fetch_items')).toBe('failed');
    expect(run.state.tasks.get('fetch_items')!.error!.message).toMatch(/maxMapLength 3/);
    expect(run.stateOf('process')).toBe('upstream_failed');
  });
});

describe('run decider: mapped task groups and nesting', () => {
  it('given a block over an upstream output, each group chains on its own', () => {
    const run = new RunHarness(
      planOf(`
id: mapped-groups
stages:
  - id: prepare
    executor: list
  - group: shard
    over: upstream.prepare
    stages:
      - id: a
        executor: a
      - id: b
        executor: b
`),
    );
    run.start({});
    run.send({ type: 'DispatchTasks', runId: 'run-1', taskIds: ['prepare'] });
    run.send({
      type: 'RecordTaskResult',
      runId: 'run-1',
      taskId: 'prepare',
      attempt: 1,
      outcome: 'success',
      output: [1, 2],
    });
    expect(run.stateOf('shard=1/a')).toBe('scheduled');
    run.send({ type: 'DispatchTasks', runId: 'run-1', taskIds: ['shard=1/a'] });
    run.send({
      type: 'RecordTaskResult',
      runId: 'run-1',
      taskId: 'shard=1/a',
      attempt: 1,
      outcome: 'success',
      output: null,
    });
    expect(run.stateOf('shard=1/b')).toBe('scheduled');
    expect(run.stateOf('shard=2/b')).toBe('pending');
    run.drive(() => ok());
    expect(run.state.run.status).toBe('success');
  });

  it('given nested blocks, task ids nest and the inner over sees the outer group', () => {
    const run = new RunHarness(
      planOf(
        `
id: nested
stages:
  - group: market
    over: '[{"id": "LU", "langs": ["fr", "de"]}, {"id": "PT", "langs": ["pt"]}]'
    key: item.id
    stages:
      - group: lang
        over: group.value.langs
        stages:
          - id: translate
            executor: t
      - id: report
        executor: r
        dependsOn: [lang]
`.replace(
          `'[{"id": "LU", "langs": ["fr", "de"]}, {"id": "PT", "langs": ["pt"]}]'`,
          '[{"id": "LU", "langs": ["fr", "de"]}, {"id": "PT", "langs": ["pt"]}]',
        ),
      ),
    );
    run.start({});
    expect(run.stateOf('market=LU/lang=fr/translate')).toBe('scheduled');
    expect(run.stateOf('market=PT/lang=pt/translate')).toBe('scheduled');
    expect(run.stateOf('market=LU/report')).toBe('pending');
    run.drive(() => ok());
    expect(run.state.groups.get('market=LU/lang=de')!.state).toBe('success');
    expect(run.state.run.status).toBe('success');
  });
});

describe('run decider: scope', () => {
  it('a stage deep in a block reads what the block depends on', () => {
    const run = new RunHarness(
      planOf(
        `
id: deep
stages:
  - id: prepare
    executor: list
  - group: shard
    over: '[1, 2]'
    stages:
      - id: a
        executor: a
      - id: b
        executor: b
        map: upstream.prepare
`.replace("'[1, 2]'", '[1, 2]'),
      ),
    );
    run.start({});
    run.drive((taskId) => ok(taskId === 'prepare' ? ['x', 'y', 'z'] : null));
    expect(run.stateOf('shard=1/b[2]')).toBe('success');
    expect(run.state.run.status).toBe('success');
  });
});
