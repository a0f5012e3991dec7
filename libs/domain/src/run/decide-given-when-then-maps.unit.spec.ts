import { describe, it } from 'vitest';
import { planOf } from './run.fixture.js';
import type { RunEvent } from './run-events.js';
import type { RunCommand } from './run-commands.js';
import { FATAL, NOW, RUN, accepted, specificationFor } from './decider-specification.fixture.js';

// The decider as Emmett's DeciderSpecification reads it (decider-specification.fixture.ts).

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
