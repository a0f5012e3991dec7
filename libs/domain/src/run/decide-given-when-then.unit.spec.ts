import { describe, expect, it } from 'vitest';
import { planOf } from './run.fixture.js';
import type { RunEvent } from './run-events.js';
import type { RunCommand } from './run-commands.js';
import { BOOM, FATAL, NOW, RUN, accepted, specificationFor } from './decider-specification.fixture.js';

// The decider as Emmett's DeciderSpecification reads it (decider-specification.fixture.ts).

describe('decider given/when/then: a chain of two stages', () => {
  const { given } = specificationFor(
    planOf(`
id: chain
stages:
  - id: extract
    executor: pull
    retries: 1
    retryDelay: 10s
  - id: load
    executor: push
`),
  );
  const started: RunEvent[] = [
    accepted('chain'),
    { type: 'RunPlanned', groupBlocks: 0, at: NOW },
    { type: 'TaskInstanceScheduled', taskId: 'extract', at: NOW },
  ];
  const running: RunEvent[] = [
    ...started,
    { type: 'TaskInstanceQueued', taskId: 'extract', attempt: 1, executor: 'pull', at: NOW },
    { type: 'TaskInstanceStarted', taskId: 'extract', attempt: 1, host: 'h1', at: NOW },
  ];
  const failedRun: RunEvent[] = [
    ...running,
    { type: 'TaskInstanceFailed', taskId: 'extract', attempt: 1, error: FATAL, at: NOW },
    { type: 'TaskInstanceUpstreamFailed', taskId: 'load', reason: 'trigger rule all_success', at: NOW },
    { type: 'RunCompleted', state: 'failed', reason: 'a leaf task failed or is upstream_failed', at: NOW },
  ];
  const result = (
    attempt: number,
    outcome: 'success' | 'failed' | 'skipped',
    extra: object = {},
  ): RunCommand => ({ type: 'RecordTaskResult', runId: RUN, taskId: 'extract', attempt, outcome, ...extra });

  it('start run: the trigger is accepted, the run planned and the root scheduled', () => {
    given([])
      .when({
        type: 'StartRun',
        runId: RUN,
        pipelineId: 'chain',
        version: 1,
        params: {},
        idempotencyKey: null,
        actor: 'alice',
      })
      .then(started);
  });

  it('start run twice: refused', () => {
    given(started)
      .when({
        type: 'StartRun',
        runId: RUN,
        pipelineId: 'chain',
        version: 1,
        params: {},
        idempotencyKey: null,
        actor: 'alice',
      })
      .thenRefused('run_already_started');
  });

  it('a command for another run: refused', () => {
    given(started).when({ type: 'Tick', runId: 'run-2' }).thenRefused('wrong_run');
  });

  it('dispatch: the scheduled instance is queued as attempt 1 for its executor, with its payload', () => {
    const decision = given(started)
      .when({ type: 'DispatchTasks', runId: RUN, taskIds: ['extract'] })
      .then([{ type: 'TaskInstanceQueued', taskId: 'extract', attempt: 1, executor: 'pull', at: NOW }]);
    expect(decision.dispatches.map((d) => [d.attemptId, d.executor])).toEqual([['run-1/extract#1', 'pull']]);
  });

  it('started: the queued attempt is running on its host; a second notice is refused', () => {
    const queued = running.slice(0, -1);
    given(queued)
      .when({ type: 'RecordTaskStarted', runId: RUN, taskId: 'extract', attempt: 1, host: 'h1' })
      .then([{ type: 'TaskInstanceStarted', taskId: 'extract', attempt: 1, host: 'h1', at: NOW }]);
    given(running)
      .when({ type: 'RecordTaskStarted', runId: RUN, taskId: 'extract', attempt: 1, host: 'h1' })
      .thenRefused('duplicate_result');
  });

  it('success result: the downstream stage is scheduled (cascade)', () => {
    given(running)
      .when(result(1, 'success', { output: { rows: 3 } }))
      .then([
        { type: 'TaskInstanceSucceeded', taskId: 'extract', attempt: 1, output: { rows: 3 }, at: NOW },
        { type: 'TaskInstanceScheduled', taskId: 'load', at: NOW },
      ]);
  });

  it('failed result with a retry left: up for retry after retryDelay, nothing downstream moves', () => {
    given(running)
      .when(result(1, 'failed', { error: BOOM }))
      .then([
        {
          type: 'TaskInstanceUpForRetry',
          taskId: 'extract',
          attempt: 1,
          error: BOOM,
          retryAt: NOW + 10_000,
          at: NOW,
        },
      ]);
  });

  it('failed result that is not retryable: failed at once although a retry is left', () => {
    given(running)
      .when(result(1, 'failed', { error: FATAL }))
      .then(failedRun.slice(running.length));
  });

  const upForRetry: RunEvent[] = [
    ...running,
    {
      type: 'TaskInstanceUpForRetry',
      taskId: 'extract',
      attempt: 1,
      error: BOOM,
      retryAt: NOW + 10_000,
      at: NOW,
    },
  ];

  it('tick: a retry not yet due stays waiting; once due it is scheduled again', () => {
    given(upForRetry)
      .when({ type: 'Tick', runId: RUN }, NOW + 9_999)
      .then([]);
    given(upForRetry)
      .when({ type: 'Tick', runId: RUN }, NOW + 10_000)
      .then([{ type: 'TaskInstanceScheduled', taskId: 'extract', at: NOW + 10_000 }]);
  });

  it('the last retry fails: failed, the downstream upstream_failed, the run failed', () => {
    const later = NOW + 10_000;
    given([
      ...upForRetry,
      { type: 'TaskInstanceScheduled', taskId: 'extract', at: later },
      { type: 'TaskInstanceQueued', taskId: 'extract', attempt: 2, executor: 'pull', at: later },
      { type: 'TaskInstanceStarted', taskId: 'extract', attempt: 2, host: 'h2', at: later },
    ])
      .when(result(2, 'failed', { error: BOOM }), later)
      .then([
        { type: 'TaskInstanceFailed', taskId: 'extract', attempt: 2, error: BOOM, at: later },
        { type: 'TaskInstanceUpstreamFailed', taskId: 'load', reason: 'trigger rule all_success', at: later },
        {
          type: 'RunCompleted',
          state: 'failed',
          reason: 'a leaf task failed or is upstream_failed',
          at: later,
        },
      ]);
  });

  it('a repeated result for an attempt that already ended: refused as a duplicate', () => {
    given(upForRetry)
      .when(result(1, 'success', { output: null }))
      .thenRefused('duplicate_result');
  });

  it('a late result of attempt 1 once attempt 2 is queued: refused as stale', () => {
    given([
      ...upForRetry,
      { type: 'TaskInstanceScheduled', taskId: 'extract', at: NOW + 10_000 },
      { type: 'TaskInstanceQueued', taskId: 'extract', attempt: 2, executor: 'pull', at: NOW + 10_000 },
    ])
      .when(result(1, 'success', { output: null }))
      .thenRefused('stale_attempt');
  });

  it('clear of a failed instance with its downstream: the run reopens and the instance is scheduled again', () => {
    given(failedRun)
      .when({
        type: 'ClearTaskInstances',
        runId: RUN,
        taskIds: ['extract'],
        downstream: true,
        onlyFailed: false,
        actor: 'op',
        reason: 'fixed the source',
      })
      .then([
        { type: 'RunReopened', actor: 'op', reason: 'fixed the source', at: NOW },
        { type: 'TaskInstanceCleared', taskId: 'extract', actor: 'op', reason: 'fixed the source', at: NOW },
        { type: 'TaskInstanceCleared', taskId: 'load', actor: 'op', reason: 'fixed the source', at: NOW },
        { type: 'TaskInstanceScheduled', taskId: 'extract', at: NOW },
      ]);
  });

  it('mark success of a running instance: its downstream is scheduled', () => {
    given(running)
      .when({
        type: 'MarkTaskInstance',
        runId: RUN,
        taskId: 'extract',
        state: 'success',
        actor: 'op',
        reason: 'done by hand',
      })
      .then([
        {
          type: 'TaskInstanceMarked',
          taskId: 'extract',
          state: 'success',
          actor: 'op',
          reason: 'done by hand',
          at: NOW,
        },
        { type: 'TaskInstanceScheduled', taskId: 'load', at: NOW },
      ]);
  });

  it('mark success of a failed instance: the run reopens, but its upstream_failed downstream stays, so it fails again', () => {
    given(failedRun)
      .when({
        type: 'MarkTaskInstance',
        runId: RUN,
        taskId: 'extract',
        state: 'success',
        actor: 'op',
        reason: 'done by hand',
      })
      .then([
        { type: 'RunReopened', actor: 'op', reason: 'mark extract success', at: NOW },
        {
          type: 'TaskInstanceMarked',
          taskId: 'extract',
          state: 'success',
          actor: 'op',
          reason: 'done by hand',
          at: NOW,
        },
        {
          type: 'RunCompleted',
          state: 'failed',
          reason: 'a leaf task failed or is upstream_failed',
          at: NOW,
        },
      ]);
  });

  it('cancel run: every unfinished instance is cancelled, then the run', () => {
    given(running)
      .when({ type: 'CancelRun', runId: RUN, actor: 'op', reason: 'enough' })
      .then([
        { type: 'TaskInstanceCancelled', taskId: 'extract', reason: 'run cancelled', actor: 'op', at: NOW },
        { type: 'TaskInstanceCancelled', taskId: 'load', reason: 'run cancelled', actor: 'op', at: NOW },
        { type: 'RunCancelled', actor: 'op', reason: 'enough', at: NOW },
      ]);
  });

  it('cancel of a finished run: refused', () => {
    given(failedRun)
      .when({ type: 'CancelRun', runId: RUN, actor: 'op', reason: 'enough' })
      .thenRefused('run_finished');
  });
});
