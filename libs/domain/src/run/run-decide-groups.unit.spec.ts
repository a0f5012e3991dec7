import { describe, expect, it } from 'vitest';
import { RunHarness, planOf } from './run.fixture.js';
import { MARKETS, ok } from './run-decide.fixture.js';

describe('run decider: groups and consolidation', () => {
  it('given three markets that all succeed, when the run is driven, then every group succeeds and the consolidation runs once', () => {
    const run = new RunHarness(planOf(MARKETS));
    run.start({ markets: ['LU', 'PT', 'GR'] });
    expect(run.stateOf('market=LU/generate')).toBe('scheduled');
    expect(run.stateOf('market=LU/evaluate')).toBe('pending');
    run.drive((taskId) => ok(taskId));
    expect(run.state.run.status).toBe('success');
    expect([...run.state.groups.values()].map((g) => g.state)).toEqual(['success', 'success', 'success']);
    const triggered = run.eventsOfType('ConsolidationTriggered');
    expect(triggered).toHaveLength(1);
    expect(triggered[0]!.groups.map((g) => g.path).sort()).toEqual(['market=GR', 'market=LU', 'market=PT']);
    expect(run.stateOf('consolidate')).toBe('success');
    expect(run.eventsOfType('RunCompleted')).toHaveLength(1);
  });

  it('given one market failing, then the others finish, the failed group is failed, and all_done consolidation makes the run succeed', () => {
    const run = new RunHarness(planOf(MARKETS));
    run.start({ markets: ['LU', 'PT', 'GR'] });
    run.drive((taskId) => (taskId === 'market=PT/evaluate' ? { outcome: 'failed' } : ok()));
    expect(run.stateOf('market=PT/evaluate')).toBe('failed');
    expect(run.stateOf('market=PT/report')).toBe('upstream_failed');
    expect(run.stateOf('market=LU/report')).toBe('success');
    expect(run.state.groups.get('market=PT')!.state).toBe('failed');
    expect(run.state.groups.get('market=GR')!.state).toBe('success');
    expect(run.stateOf('consolidate')).toBe('success');
    expect(run.state.run.status).toBe('success');
  });

  it('given all_success consolidation and a failed group, then the consolidation is upstream_failed and the run failed', () => {
    const run = new RunHarness(planOf(MARKETS.replace('triggerRule: all_done', 'triggerRule: all_success')));
    run.start({ markets: ['LU', 'PT'] });
    run.drive((taskId) => (taskId === 'market=LU/generate' ? { outcome: 'failed' } : ok()));
    expect(run.stateOf('consolidate')).toBe('upstream_failed');
    expect(run.state.run.status).toBe('failed');
  });

  it('given a failed task, when it is cleared with downstream, then it re-runs, the group reopens and the consolidation runs a second round', () => {
    const run = new RunHarness(planOf(MARKETS));
    run.start({ markets: ['LU', 'PT'] });
    let failPt = true;
    run.drive((taskId) => (taskId === 'market=PT/evaluate' && failPt ? { outcome: 'failed' } : ok()));
    expect(run.state.groups.get('market=PT')!.state).toBe('failed');
    failPt = false;
    const cleared = run.send({
      type: 'ClearTaskInstances',
      runId: 'run-1',
      taskIds: ['market=PT/evaluate'],
      downstream: true,
      onlyFailed: false,
      actor: 'alice',
      reason: 'retry after fix',
    });
    expect(cleared.rejection).toBeNull();
    expect(cleared.events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'RunReopened',
        'TaskInstanceCleared',
        'GroupReopened',
        'TaskInstanceScheduled',
      ]),
    );
    expect(run.stateOf('market=PT/report')).toBe('pending');
    expect(run.stateOf('consolidate')).toBe('pending');
    expect(run.stateOf('market=LU/report')).toBe('success');
    run.drive(() => ok());
    expect(run.state.groups.get('market=PT')!.state).toBe('success');
    expect(run.eventsOfType('ConsolidationTriggered').map((e) => e.round)).toEqual([1, 2]);
    expect(run.state.run.status).toBe('success');
    const clearedEvent = run
      .eventsOfType('TaskInstanceCleared')
      .find((e) => e.taskId === 'market=PT/evaluate');
    expect(clearedEvent?.actor).toBe('alice');
  });

  it('a run holds a maxActiveRuns slot from its first dispatch until it finishes; reopened, it queues anew', () => {
    const run = new RunHarness(planOf(MARKETS));
    run.start({ markets: ['LU'] });
    expect(run.state.run.admittedAt).toBeNull(); // started, nothing dispatched yet
    let fail = true;
    run.drive((taskId) => (taskId === 'market=LU/report' && fail ? { outcome: 'failed' } : ok()));
    const firstQueued = run.eventsOfType('TaskInstanceQueued')[0]!;
    expect(run.state.run.admittedAt).toBe(firstQueued.at); // later dispatches keep it
    fail = false;
    run.send({
      type: 'ClearTaskInstances',
      runId: 'run-1',
      taskIds: ['market=LU/report'],
      downstream: true,
      onlyFailed: false,
      actor: 'alice',
      reason: 'retry',
    });
    expect(run.state.run.status).toBe('running');
    expect(run.state.run.admittedAt).toBeNull();
    run.drive(() => ok());
    expect(run.state.run.admittedAt).not.toBeNull();
  });

  it('given clear without downstream, then upstream_failed descendants stay as they are', () => {
    const run = new RunHarness(planOf(MARKETS));
    run.start({ markets: ['LU'] });
    let fail = true;
    run.drive((taskId) => (taskId === 'market=LU/generate' && fail ? { outcome: 'failed' } : ok()));
    fail = false;
    run.send({
      type: 'ClearTaskInstances',
      runId: 'run-1',
      taskIds: ['market=LU/generate'],
      downstream: false,
      onlyFailed: false,
      actor: 'a',
      reason: 'r',
    });
    run.drive(() => ok());
    expect(run.stateOf('market=LU/generate')).toBe('success');
    expect(run.stateOf('market=LU/evaluate')).toBe('upstream_failed');
    expect(run.state.groups.get('market=LU')!.state).toBe('failed');
  });

  it('given a group block over an empty list, then it schedules nothing and the consolidation still runs', () => {
    const run = new RunHarness(
      planOf(MARKETS.replace('items: { type: string } }', 'items: { type: string } }')),
    );
    run.start({ markets: [] });
    expect(run.state.groups.size).toBe(0);
    run.drive(() => ok());
    expect(run.stateOf('consolidate')).toBe('success');
    expect(run.state.run.status).toBe('success');
  });

  it('refuses invalid params with the JSON-pointer path and records a TriggerRejected', () => {
    const run = new RunHarness(planOf(MARKETS));
    const decision = run.start({ markets: [1] });
    expect(decision.events).toHaveLength(1);
    const rejected = decision.events[0]!;
    expect(rejected.type).toBe('TriggerRejected');
    expect(rejected.type === 'TriggerRejected' && rejected.issues[0]!.path).toBe('/params/markets/0');
  });
});

describe('run decider: consolidation through the fan-in', () => {
  it('waits for the consolidator, accepts its result once, and refuses a stale round after a group reopened', () => {
    const run = new RunHarness(planOf(MARKETS));
    run.send({
      type: 'StartRun',
      runId: 'run-1',
      pipelineId: 'markets',
      version: 1,
      params: { markets: ['LU', 'PT'] },
      idempotencyKey: null,
      actor: 't',
      consolidationVia: 'fan-in',
    });
    let failPt = true;
    run.drive((taskId) => (taskId === 'market=PT/report' && failPt ? { outcome: 'failed' } : ok()));
    expect(run.stateOf('consolidate')).toBe('pending');
    expect(run.state.run.status).toBe('running');
    const result = {
      type: 'RecordConsolidationResult',
      runId: 'run-1',
      round: 1,
      outcome: 'success',
      output: { report: 1 },
      host: 'c',
      startedAt: run.now,
      finishedAt: run.now + 5,
    } as const;
    failPt = false;
    run.send({
      type: 'ClearTaskInstances',
      runId: 'run-1',
      taskIds: ['market=PT/report'],
      downstream: true,
      onlyFailed: false,
      actor: 'op',
      reason: 'r',
    });
    expect(run.send(result).rejection?.code).toBe('stale_attempt');
    run.drive(() => ok());
    const second = run.send({ ...result, round: 2 });
    expect(
      second.rejection,
      JSON.stringify([run.stateOf('consolidate'), run.state.run.status, run.state.run.consolidationVia]),
    ).toBeNull();
    expect(run.stateOf('consolidate')).toBe('success');
    expect(run.state.run.status).toBe('success');
    expect(run.send({ ...result, round: 2 }).rejection?.code).toBe('duplicate_result');
  });
});
