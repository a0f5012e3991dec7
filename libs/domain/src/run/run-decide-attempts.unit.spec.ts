import { describe, expect, it } from 'vitest';
import { RunHarness, planOf } from './run.fixture.js';
import { initialRunState } from './run-state.js';
import { evolve } from './run-evolve.js';
import { MARKETS, ok } from './run-decide.fixture.js';

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
