import { describe, expect, it } from 'vitest';
import type { CompiledPlan } from '../spec/compiled-plan.js';
import { planOf } from './run.fixture.js';
import type { RejectionCode, RunCommand } from './run-commands.js';
import type { RunEvent } from './run-events.js';
import { initialRunState } from './run-state.js';
import { evolve } from './run-evolve.js';
import { decide, type Decision } from './run-decide.js';

// The decider as Emmett's DeciderSpecification reads it: given the events so far, when a command,
// then exactly these events (or a refusal). Every expectation names whole events, not counts.

const NOW = 1_700_000_000_000;
const RUN = 'run-1';

/** given(events).when(command).then(events) | .thenRefused(code), over one compiled plan. */
function specificationFor(plan: CompiledPlan) {
  return {
    given(history: readonly RunEvent[]) {
      return {
        when(command: RunCommand, now: number = NOW) {
          const state = initialRunState(plan);
          for (const event of history) evolve(state, event);
          const decision = decide(state, command, { now, random: () => 0.5 });
          return {
            then(expected: readonly RunEvent[]): Decision {
              expect(decision.rejection).toBeNull();
              expect(decision.events).toStrictEqual(expected);
              return decision;
            },
            thenRefused(code: RejectionCode): void {
              expect(decision.events).toStrictEqual([]);
              expect(decision.rejection?.code).toBe(code);
            },
          };
        },
      };
    },
  };
}

const accepted = (
  pipelineId: string,
  params: Record<string, unknown> = {},
  via: 'planner' | 'fan-in' = 'planner',
) =>
  ({
    type: 'TriggerAccepted',
    runId: RUN,
    pipelineId,
    version: 1,
    params: params as never,
    idempotencyKey: null,
    actor: 'alice',
    consolidationVia: via,
    at: NOW,
  }) as const;

const FATAL = { message: 'bad input', type: 'FatalError', retryable: false };
const BOOM = { message: 'boom', type: 'Error', retryable: true };

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

describe('decider given/when/then: run outcome over the leaves (cascade.ts)', () => {
  const { given } = specificationFor(
    planOf(`
id: pair
stages:
  - id: left
    executor: a
  - id: right
    executor: b
    dependsOn: []
`),
  );
  const bothRunning: RunEvent[] = [
    accepted('pair'),
    { type: 'RunPlanned', groupBlocks: 0, at: NOW },
    { type: 'TaskInstanceScheduled', taskId: 'left', at: NOW },
    { type: 'TaskInstanceScheduled', taskId: 'right', at: NOW },
    { type: 'TaskInstanceQueued', taskId: 'left', attempt: 1, executor: 'a', at: NOW },
    { type: 'TaskInstanceQueued', taskId: 'right', attempt: 1, executor: 'b', at: NOW },
  ];
  const result = (
    taskId: string,
    outcome: 'success' | 'failed' | 'skipped',
    extra: object = {},
  ): RunCommand => ({
    type: 'RecordTaskResult',
    runId: RUN,
    taskId,
    attempt: 1,
    outcome,
    ...extra,
  });

  it('a leaf failed while another still runs: the run keeps running', () => {
    given(bothRunning)
      .when(result('left', 'failed', { error: FATAL }))
      .then([{ type: 'TaskInstanceFailed', taskId: 'left', attempt: 1, error: FATAL, at: NOW }]);
  });

  it('the last leaf finishes after a leaf failed: the run failed', () => {
    given([...bothRunning, { type: 'TaskInstanceFailed', taskId: 'left', attempt: 1, error: FATAL, at: NOW }])
      .when(result('right', 'success', { output: null }))
      .then([
        { type: 'TaskInstanceSucceeded', taskId: 'right', attempt: 1, output: null, at: NOW },
        {
          type: 'RunCompleted',
          state: 'failed',
          reason: 'a leaf task failed or is upstream_failed',
          at: NOW,
        },
      ]);
  });

  it('every leaf skipped: the run succeeded', () => {
    given([
      ...bothRunning,
      { type: 'TaskInstanceSkipped', taskId: 'left', reason: 'skipped by its handler', at: NOW },
    ])
      .when(result('right', 'skipped'))
      .then([
        { type: 'TaskInstanceSkipped', taskId: 'right', reason: 'skipped by its handler', at: NOW },
        { type: 'RunCompleted', state: 'success', reason: null, at: NOW },
      ]);
  });
});

describe('decider given/when/then: map expansion (expand-map.ts)', () => {
  const { given } = specificationFor(
    planOf(`
id: shipping
stages:
  - id: list
    executor: lister
  - id: ship
    executor: shipper
    map: upstream.list
  - id: sum
    executor: summer
`),
  );
  const listing: RunEvent[] = [
    accepted('shipping'),
    { type: 'RunPlanned', groupBlocks: 0, at: NOW },
    { type: 'TaskInstanceScheduled', taskId: 'list', at: NOW },
    { type: 'TaskInstanceQueued', taskId: 'list', attempt: 1, executor: 'lister', at: NOW },
  ];
  const listed = (outcome: 'success' | 'failed' | 'skipped', extra: object = {}): RunCommand => ({
    type: 'RecordTaskResult',
    runId: RUN,
    taskId: 'list',
    attempt: 1,
    outcome,
    ...extra,
  });

  it('the supplier succeeded with two items: two indexed instances are created and scheduled', () => {
    given(listing)
      .when(listed('success', { output: ['a', 'b'] }))
      .then([
        { type: 'TaskInstanceSucceeded', taskId: 'list', attempt: 1, output: ['a', 'b'], at: NOW },
        { type: 'TaskMapExpanded', stagePath: 'ship', groupPath: null, length: 2, at: NOW },
        { type: 'TaskInstanceScheduled', taskId: 'ship[0]', at: NOW },
        { type: 'TaskInstanceScheduled', taskId: 'ship[1]', at: NOW },
      ]);
  });

  it('an empty list: one skipped instance, its downstream skipped by its rule, the run succeeded', () => {
    given(listing)
      .when(listed('success', { output: [] }))
      .then([
        { type: 'TaskInstanceSucceeded', taskId: 'list', attempt: 1, output: [], at: NOW },
        { type: 'TaskMapExpanded', stagePath: 'ship', groupPath: null, length: 0, at: NOW },
        { type: 'TaskInstanceSkipped', taskId: 'ship', reason: 'mapped over an empty list', at: NOW },
        { type: 'TaskInstanceSkipped', taskId: 'sum', reason: 'trigger rule all_success', at: NOW },
        { type: 'RunCompleted', state: 'success', reason: null, at: NOW },
      ]);
  });

  it('the supplier failed: upstream_failed without expanding', () => {
    given(listing)
      .when(listed('failed', { error: FATAL }))
      .then([
        { type: 'TaskInstanceFailed', taskId: 'list', attempt: 1, error: FATAL, at: NOW },
        { type: 'TaskMapExpanded', stagePath: 'ship', groupPath: null, length: null, at: NOW },
        { type: 'TaskInstanceUpstreamFailed', taskId: 'ship', reason: 'map supplier failed', at: NOW },
        { type: 'TaskInstanceUpstreamFailed', taskId: 'sum', reason: 'trigger rule all_success', at: NOW },
        {
          type: 'RunCompleted',
          state: 'failed',
          reason: 'a leaf task failed or is upstream_failed',
          at: NOW,
        },
      ]);
  });

  it('the supplier skipped: skipped without expanding', () => {
    given(listing)
      .when(listed('skipped'))
      .then([
        { type: 'TaskInstanceSkipped', taskId: 'list', reason: 'skipped by its handler', at: NOW },
        { type: 'TaskMapExpanded', stagePath: 'ship', groupPath: null, length: null, at: NOW },
        { type: 'TaskInstanceSkipped', taskId: 'ship', reason: 'map supplier skipped', at: NOW },
        { type: 'TaskInstanceSkipped', taskId: 'sum', reason: 'trigger rule all_success', at: NOW },
        { type: 'RunCompleted', state: 'success', reason: null, at: NOW },
      ]);
  });
});

describe('decider given/when/then: a map over a literal list (no supplier)', () => {
  const { given } = specificationFor(
    planOf(`
id: literal
stages:
  - id: ship
    executor: shipper
    map: [a, b]
`),
  );

  it('start run: expanded at once, every index scheduled', () => {
    given([])
      .when({
        type: 'StartRun',
        runId: RUN,
        pipelineId: 'literal',
        version: 1,
        params: {},
        idempotencyKey: null,
        actor: 'alice',
      })
      .then([
        accepted('literal'),
        { type: 'RunPlanned', groupBlocks: 0, at: NOW },
        { type: 'TaskMapExpanded', stagePath: 'ship', groupPath: null, length: 2, at: NOW },
        { type: 'TaskInstanceScheduled', taskId: 'ship[0]', at: NOW },
        { type: 'TaskInstanceScheduled', taskId: 'ship[1]', at: NOW },
      ]);
  });
});

describe('decider given/when/then: a map over two suppliers (SEMANTICS "Mapping")', () => {
  const { given } = specificationFor(
    planOf(`
id: merge
stages:
  - id: left
    executor: lister
  - id: right
    executor: lister
    dependsOn: []
  - id: ship
    executor: shipper
    map: upstream.left + upstream.right
    dependsOn: [left, right]
`),
  );
  const listing: RunEvent[] = [
    accepted('merge'),
    { type: 'RunPlanned', groupBlocks: 0, at: NOW },
    { type: 'TaskInstanceScheduled', taskId: 'left', at: NOW },
    { type: 'TaskInstanceScheduled', taskId: 'right', at: NOW },
    { type: 'TaskInstanceQueued', taskId: 'left', attempt: 1, executor: 'lister', at: NOW },
    { type: 'TaskInstanceQueued', taskId: 'right', attempt: 1, executor: 'lister', at: NOW },
  ];
  const result = (
    taskId: string,
    outcome: 'success' | 'failed' | 'skipped',
    extra: object = {},
  ): RunCommand => ({
    type: 'RecordTaskResult',
    runId: RUN,
    taskId,
    attempt: 1,
    outcome,
    ...extra,
  });

  it('one supplier failed while the other still runs: upstream_failed at once (failure is fast)', () => {
    given(listing)
      .when(result('left', 'failed', { error: FATAL }))
      .then([
        { type: 'TaskInstanceFailed', taskId: 'left', attempt: 1, error: FATAL, at: NOW },
        { type: 'TaskMapExpanded', stagePath: 'ship', groupPath: null, length: null, at: NOW },
        { type: 'TaskInstanceUpstreamFailed', taskId: 'ship', reason: 'map supplier failed', at: NOW },
      ]);
  });

  it('one supplier skipped while the other still runs: it waits, since a later failure would win', () => {
    given(listing)
      .when(result('left', 'skipped'))
      .then([{ type: 'TaskInstanceSkipped', taskId: 'left', reason: 'skipped by its handler', at: NOW }]);
  });

  it('failed wins over skipped', () => {
    given([
      ...listing,
      { type: 'TaskInstanceSkipped', taskId: 'left', reason: 'skipped by its handler', at: NOW },
    ])
      .when(result('right', 'failed', { error: FATAL }))
      .then([
        { type: 'TaskInstanceFailed', taskId: 'right', attempt: 1, error: FATAL, at: NOW },
        { type: 'TaskMapExpanded', stagePath: 'ship', groupPath: null, length: null, at: NOW },
        { type: 'TaskInstanceUpstreamFailed', taskId: 'ship', reason: 'map supplier failed', at: NOW },
        {
          type: 'RunCompleted',
          state: 'failed',
          reason: 'a leaf task failed or is upstream_failed',
          at: NOW,
        },
      ]);
  });

  it('both suppliers succeeded: expanded over the joined list', () => {
    given([...listing, { type: 'TaskInstanceSucceeded', taskId: 'left', attempt: 1, output: ['a'], at: NOW }])
      .when(result('right', 'success', { output: ['b'] }))
      .then([
        { type: 'TaskInstanceSucceeded', taskId: 'right', attempt: 1, output: ['b'], at: NOW },
        { type: 'TaskMapExpanded', stagePath: 'ship', groupPath: null, length: 2, at: NOW },
        { type: 'TaskInstanceScheduled', taskId: 'ship[0]', at: NOW },
        { type: 'TaskInstanceScheduled', taskId: 'ship[1]', at: NOW },
      ]);
  });
});

describe('decider given/when/then: consolidation over groups', () => {
  const { given } = specificationFor(
    planOf(`
id: markets
params:
  type: object
  required: [markets]
  properties: { markets: { type: array, items: { type: string } } }
stages:
  - group: market
    over: params.markets
    stages:
      - id: fetch
        executor: fetcher
consolidate:
  executor: reporter
  triggerRule: all_done
`),
  );
  const groupsRunning = (via: 'planner' | 'fan-in'): RunEvent[] => [
    accepted('markets', { markets: ['LU', 'PT'] }, via),
    { type: 'RunPlanned', groupBlocks: 1, at: NOW },
    {
      type: 'GroupsExpanded',
      blockPath: 'market',
      parentGroup: null,
      groups: [
        { path: 'market=LU', key: 'LU', value: 'LU' },
        { path: 'market=PT', key: 'PT', value: 'PT' },
      ],
      unresolved: null,
      error: null,
      at: NOW,
    },
    { type: 'TaskInstanceScheduled', taskId: 'market=LU/fetch', at: NOW },
    { type: 'TaskInstanceScheduled', taskId: 'market=PT/fetch', at: NOW },
    { type: 'TaskInstanceQueued', taskId: 'market=LU/fetch', attempt: 1, executor: 'fetcher', at: NOW },
    { type: 'TaskInstanceQueued', taskId: 'market=PT/fetch', attempt: 1, executor: 'fetcher', at: NOW },
    { type: 'TaskInstanceSucceeded', taskId: 'market=LU/fetch', attempt: 1, output: 1, at: NOW },
    { type: 'GroupCompleted', groupPath: 'market=LU', state: 'success', at: NOW },
  ];
  const ptFails: RunCommand = {
    type: 'RecordTaskResult',
    runId: RUN,
    taskId: 'market=PT/fetch',
    attempt: 1,
    outcome: 'failed',
    error: FATAL,
  };
  const groupsTerminal: RunEvent[] = [
    { type: 'TaskInstanceFailed', taskId: 'market=PT/fetch', attempt: 1, error: FATAL, at: NOW },
    { type: 'GroupCompleted', groupPath: 'market=PT', state: 'failed', at: NOW },
  ];
  const GROUPS = [
    { path: 'market=LU', state: 'success' },
    { path: 'market=PT', state: 'failed' },
  ] as const;

  it('in the planner: the last group terminal triggers round 1 over every group and schedules the consolidation', () => {
    given(groupsRunning('planner'))
      .when(ptFails)
      .then([
        ...groupsTerminal,
        { type: 'ConsolidationTriggered', round: 1, groups: [...GROUPS], at: NOW },
        { type: 'TaskInstanceScheduled', taskId: 'consolidate', at: NOW },
      ]);
  });

  it('through the fan-in: the last group terminal leaves the consolidation pending, the run waits (not deadlocked)', () => {
    given(groupsRunning('fan-in')).when(ptFails).then(groupsTerminal);
  });

  const consolidated = (round: number): RunCommand => ({
    type: 'RecordConsolidationResult',
    runId: RUN,
    round,
    outcome: 'success',
    output: { report: 1 },
    host: 'c1',
    startedAt: NOW + 1,
    finishedAt: NOW + 2,
  });

  it('the consolidator succeeded (all_done) although a group failed: the consolidation is recorded and the run succeeded', () => {
    given([...groupsRunning('fan-in'), ...groupsTerminal])
      .when(consolidated(1))
      .then([
        { type: 'ConsolidationTriggered', round: 1, groups: [...GROUPS], at: NOW + 1 },
        { type: 'TaskInstanceScheduled', taskId: 'consolidate', at: NOW + 1 },
        { type: 'TaskInstanceQueued', taskId: 'consolidate', attempt: 1, executor: 'reporter', at: NOW + 1 },
        { type: 'TaskInstanceStarted', taskId: 'consolidate', attempt: 1, host: 'c1', at: NOW + 1 },
        {
          type: 'TaskInstanceSucceeded',
          taskId: 'consolidate',
          attempt: 1,
          output: { report: 1 },
          at: NOW + 2,
        },
        { type: 'RunCompleted', state: 'success', reason: null, at: NOW },
      ]);
  });

  it('a consolidation result while a group still runs: refused as stale', () => {
    given(groupsRunning('fan-in')).when(consolidated(1)).thenRefused('stale_attempt');
  });

  it('a consolidation result for a round already recorded: refused as a duplicate', () => {
    given([
      ...groupsRunning('fan-in'),
      ...groupsTerminal,
      { type: 'ConsolidationTriggered', round: 1, groups: [...GROUPS], at: NOW + 1 },
    ])
      .when(consolidated(1))
      .thenRefused('duplicate_result');
  });

  it('a consolidation result for a run that consolidates in the planner: refused', () => {
    given([
      ...groupsRunning('planner'),
      ...groupsTerminal,
      { type: 'ConsolidationTriggered', round: 1, groups: [...GROUPS], at: NOW },
      { type: 'TaskInstanceScheduled', taskId: 'consolidate', at: NOW },
    ])
      .when(consolidated(2))
      .thenRefused('invalid_state');
  });
});
