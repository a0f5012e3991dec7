import { describe, it } from 'vitest';
import { planOf } from './run.fixture.js';
import type { RunEvent } from './run-events.js';
import type { RunCommand } from './run-commands.js';
import { FATAL, NOW, RUN, accepted, specificationFor } from './decider-specification.fixture.js';

// The decider as Emmett's DeciderSpecification reads it (decider-specification.fixture.ts).

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
