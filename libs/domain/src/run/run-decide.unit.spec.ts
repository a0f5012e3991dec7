import { describe, expect, it } from 'vitest';
import { RunHarness, planOf, type Outcome } from './run.fixture.js';
import { runViewOf } from './run-view.js';
import { initialRunState } from './run-state.js';
import { evolve } from './run-evolve.js';

const MARKETS = `
id: markets
params:
  type: object
  required: [markets]
  properties: { markets: { type: array, items: { type: string } } }
stages:
  - group: market
    over: params.markets
    stages:
      - id: generate
        executor: gen
      - id: evaluate
        executor: judge
      - id: report
        executor: report
consolidate:
  executor: consolidate
  triggerRule: all_done
`;

const ok = (output: unknown = null): Outcome => ({ outcome: 'success', output: output as never });

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

describe('run decider: retries, timeouts, refusals, cancel', () => {
  const RETRY = `
id: retry
defaults: { retries: 2, retryDelay: 1s, retryBackoff: exponential, timeout: 10s }
stages:
  - id: flaky
    executor: flaky
`;
  it('retries with exponential delay, then succeeds', () => {
    const run = new RunHarness(planOf(RETRY));
    run.start({});
    const retryAts: number[] = [];
    run.drive((_, attempt) => {
      if (attempt < 3) return { outcome: 'failed' };
      return ok(attempt);
    });
    for (const e of run.eventsOfType('TaskInstanceUpForRetry')) retryAts.push(e.retryAt - e.at);
    expect(retryAts).toEqual([1000, 2000]);
    expect(run.stateOf('flaky')).toBe('success');
    expect(run.state.tasks.get('flaky')!.attempt).toBe(3);
  });

  it('stops after the retry budget and does not retry a non-retryable error', () => {
    const run = new RunHarness(planOf(RETRY));
    run.start({});
    run.drive(() => ({ outcome: 'failed' }));
    expect(run.state.tasks.get('flaky')!.attempt).toBe(3);
    expect(run.state.run.status).toBe('failed');
    const fatal = new RunHarness(planOf(RETRY));
    fatal.start({});
    fatal.drive(() => ({ outcome: 'failed', error: { retryable: false } }));
    expect(fatal.state.tasks.get('flaky')!.attempt).toBe(1);
  });

  it('times out a running attempt on Tick', () => {
    const run = new RunHarness(planOf(RETRY.replace('retries: 2', 'retries: 0')));
    run.start({});
    run.send({ type: 'DispatchTasks', runId: 'run-1', taskIds: ['flaky'] });
    run.send({ type: 'RecordTaskStarted', runId: 'run-1', taskId: 'flaky', attempt: 1, host: 'h' });
    run.now += 10_001;
    run.send({ type: 'Tick', runId: 'run-1' });
    expect(run.stateOf('flaky')).toBe('failed');
    expect(run.state.tasks.get('flaky')!.error!.type).toBe('TimeoutError');
  });

  it('re-dispatches a queued instance past its queuedTimeout as the same attempt, once; a late first copy is a duplicate', () => {
    const run = new RunHarness(planOf(RETRY.replace('retries: 2,', 'retries: 2, queuedTimeout: 30s,')));
    run.start({});
    run.send({ type: 'DispatchTasks', runId: 'run-1', taskIds: ['flaky'] });
    const early = run.send({ type: 'RequeueLostDispatches', runId: 'run-1', taskIds: ['flaky'] });
    expect(early.events).toEqual([]);
    run.now += 30_000;
    const requeued = run.send({ type: 'RequeueLostDispatches', runId: 'run-1', taskIds: ['flaky', 'nope'] });
    expect(requeued.events).toEqual([
      expect.objectContaining({
        type: 'TaskInstanceRequeued',
        taskId: 'flaky',
        attempt: 1,
        executor: 'flaky',
      }),
    ]);
    expect(requeued.dispatches).toEqual([
      expect.objectContaining({ taskId: 'flaky', attempt: 1, redispatchedAt: run.now }),
    ]);
    // The clock restarts: the same command right away changes nothing.
    expect(run.send({ type: 'RequeueLostDispatches', runId: 'run-1', taskIds: ['flaky'] }).events).toEqual(
      [],
    );
    expect(run.stateOf('flaky')).toBe('queued');
    run.send({ type: 'RecordTaskStarted', runId: 'run-1', taskId: 'flaky', attempt: 1, host: 'h' });
    run.send({
      type: 'RecordTaskResult',
      runId: 'run-1',
      taskId: 'flaky',
      attempt: 1,
      outcome: 'success',
      output: 1,
    });
    // Both copies ran: the second result is refused, the attempt counted once.
    const late = run.send({
      type: 'RecordTaskResult',
      runId: 'run-1',
      taskId: 'flaky',
      attempt: 1,
      outcome: 'success',
      output: 2,
    });
    expect(late.rejection?.code).toBe('duplicate_result');
    expect(run.state.tasks.get('flaky')!.output).toBe(1);
    // Folding the events from scratch gives the same queuedAt.
    const refolded = run.events.reduce(evolve, initialRunState(run.plan));
    expect(refolded.tasks.get('flaky')!.queuedAt).toBe(run.state.tasks.get('flaky')!.queuedAt);
  });

  it('never re-dispatches with queuedTimeout: null, and the built-in default is 5 minutes', () => {
    const never = new RunHarness(planOf(RETRY.replace('retries: 2,', 'retries: 2, queuedTimeout: null,')));
    never.start({});
    never.send({ type: 'DispatchTasks', runId: 'run-1', taskIds: ['flaky'] });
    never.now += 365 * 24 * 3_600_000;
    expect(never.send({ type: 'RequeueLostDispatches', runId: 'run-1', taskIds: ['flaky'] }).events).toEqual(
      [],
    );
    const byDefault = new RunHarness(planOf(RETRY));
    byDefault.start({});
    byDefault.send({ type: 'DispatchTasks', runId: 'run-1', taskIds: ['flaky'] });
    byDefault.now += 299_999;
    expect(
      byDefault.send({ type: 'RequeueLostDispatches', runId: 'run-1', taskIds: ['flaky'] }).events,
    ).toEqual([]);
    byDefault.now += 1;
    expect(
      byDefault.send({ type: 'RequeueLostDispatches', runId: 'run-1', taskIds: ['flaky'] }).events,
    ).toHaveLength(1);
  });

  it('fails a running attempt whose host went silent and retries it per policy; refuses it once the attempt moved on', () => {
    const run = new RunHarness(planOf(RETRY));
    run.start({});
    run.send({ type: 'DispatchTasks', runId: 'run-1', taskIds: ['flaky'] });
    const lost = {
      type: 'RecordAttemptLost',
      runId: 'run-1',
      taskId: 'flaky',
      attempt: 1,
      reason: 'no heartbeat from host h for 60000 ms',
    } as const;
    expect(run.send(lost).rejection?.code).toBe('stale_attempt'); // queued, not running
    run.send({ type: 'RecordTaskStarted', runId: 'run-1', taskId: 'flaky', attempt: 1, host: 'h' });
    expect(run.send(lost).rejection).toBeNull();
    expect(run.stateOf('flaky')).toBe('up_for_retry');
    expect(run.state.tasks.get('flaky')!.error).toEqual({
      message: 'no heartbeat from host h for 60000 ms',
      type: 'HeartbeatLost',
      retryable: true,
    });
    expect(run.send(lost).rejection?.code).toBe('stale_attempt');
  });

  it('refuses stale attempts, duplicate results, unknown tasks and other runs with typed rejections', () => {
    const run = new RunHarness(planOf(RETRY));
    run.start({});
    run.send({ type: 'DispatchTasks', runId: 'run-1', taskIds: ['flaky'] });
    const result = {
      type: 'RecordTaskResult',
      runId: 'run-1',
      taskId: 'flaky',
      attempt: 1,
      outcome: 'success',
      output: 1,
    } as const;
    expect(run.send({ ...result, attempt: 2 }).rejection?.code).toBe('stale_attempt');
    expect(run.send(result).rejection).toBeNull();
    const dup = run.send(result);
    expect(dup.rejection?.code).toBe('duplicate_result');
    expect(dup.events).toEqual([]);
    expect(run.send({ ...result, taskId: 'nope' }).rejection?.code).toBe('unknown_task');
    expect(run.send({ ...result, runId: 'run-2' }).rejection?.code).toBe('wrong_run');
    expect(
      run.send({
        type: 'ClearTaskInstances',
        runId: 'run-2',
        taskIds: ['flaky'],
        downstream: true,
        onlyFailed: false,
        actor: 'a',
        reason: 'r',
      }).rejection?.code,
    ).toBe('wrong_run');
  });

  it('cancels every unfinished instance when the run is cancelled', () => {
    const run = new RunHarness(planOf(MARKETS));
    run.start({ markets: ['LU', 'PT'] });
    const decision = run.send({ type: 'CancelRun', runId: 'run-1', actor: 'bob', reason: 'wrong params' });
    expect(run.state.run.status).toBe('cancelled');
    expect(decision.events.filter((e) => e.type === 'TaskInstanceCancelled').length).toBe(
      run.state.tasks.size,
    );
    expect(
      run.send({ type: 'CancelRun', runId: 'run-1', actor: 'bob', reason: 'again' }).rejection?.code,
    ).toBe('run_finished');
  });

  it('skips an instance whose when is false', () => {
    const run = new RunHarness(
      planOf(MARKETS.replace('executor: report', 'executor: report\n        when: group.key != "LU"')),
    );
    run.start({ markets: ['LU', 'PT'] });
    run.drive(() => ok());
    expect(run.stateOf('market=LU/report')).toBe('skipped');
    expect(run.stateOf('market=PT/report')).toBe('success');
  });
});

describe('run decider: replay', () => {
  it('folding the decided events from scratch reproduces the state', () => {
    const run = new RunHarness(planOf(MARKETS));
    run.start({ markets: ['LU', 'PT', 'GR'] });
    run.drive((taskId, attempt) =>
      taskId === 'market=GR/generate' && attempt === 1 ? { outcome: 'failed' } : ok(taskId),
    );
    run.send({
      type: 'ClearTaskInstances',
      runId: 'run-1',
      taskIds: ['market=GR/generate'],
      downstream: true,
      onlyFailed: false,
      actor: 'a',
      reason: 'r',
    });
    run.drive(() => ok('x'));
    const replayed = run.events.reduce(evolve, initialRunState(run.plan));
    expect(runViewOf(replayed)).toEqual(runViewOf(run.state));
    expect(replayed.unfinished).toBe(run.state.unfinished);
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
