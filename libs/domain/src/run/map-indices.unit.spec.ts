import { describe, expect, it } from 'vitest';
import { RunHarness, planOf, type Outcome } from './run.fixture.js';
import type { AttemptPayload } from './attempt-payload.js';
import { parsePipelineSpec } from '../spec/parse-pipeline-spec.js';

const SPEC = `
id: indices
stages:
  - id: items
    executor: list
  - id: work
    executor: work
    map: upstream.items
  - id: reduce
    executor: reduce
    triggerRule: all_done
    with:
      failed: "\${{ upstreamIndices.work.failed }}"
      count: "\${{ size(upstream.work) }}"
`;

describe('mapped outputs keep their positions (upstreamIndices)', () => {
  it('given indices 2 failed and 4 skipped of 6, when the reduce is dispatched, then it gets the outputs of the others in map-index order and the indices by outcome, in CEL and in its payload', () => {
    const run = new RunHarness(planOf(SPEC));
    run.start({});
    const dispatched: AttemptPayload[] = [];
    const send = run.send.bind(run);
    run.send = (command) => {
      const decision = send(command);
      dispatched.push(...decision.dispatches);
      return decision;
    };
    run.drive((taskId): Outcome => {
      if (taskId === 'items') return { outcome: 'success', output: [10, 11, 12, 13, 14, 15] };
      if (taskId === 'work[2]') return { outcome: 'failed', error: { retryable: false } };
      if (taskId === 'work[4]') return { outcome: 'skipped' };
      const index = /\[(\d+)\]/.exec(taskId)?.[1];
      return { outcome: 'success', output: index === undefined ? null : `out${index}` };
    });
    const reduce = dispatched.find((d) => d.taskId === 'reduce')!;
    expect(reduce.upstream).toEqual({ work: ['out0', 'out1', 'out3', 'out5'] });
    expect(reduce.upstreamIndices).toEqual({
      work: { succeeded: [0, 1, 3, 5], failed: [2], skipped: [4], upstreamFailed: [] },
    });
    expect(reduce.input).toEqual({ failed: [2], count: 4 });
    // A mapped stage's own instances see their unmapped upstream's output, and no indices for it.
    const work0 = dispatched.find((d) => d.taskId === 'work[0]')!;
    expect(work0.upstreamIndices).toEqual({});
    expect(run.stateOf('reduce')).toBe('success');
  });

  it('given a mapped stage whose supplier failed (never expanded), then the downstream sees empty index lists', () => {
    const run = new RunHarness(planOf(SPEC));
    run.start({});
    const dispatched: AttemptPayload[] = [];
    const send = run.send.bind(run);
    run.send = (command) => {
      const decision = send(command);
      dispatched.push(...decision.dispatches);
      return decision;
    };
    run.drive((taskId): Outcome =>
      taskId === 'items' ? { outcome: 'failed', error: { retryable: false } } : { outcome: 'success' },
    );
    expect(dispatched.find((d) => d.taskId === 'reduce')!.upstreamIndices).toEqual({
      work: { succeeded: [], failed: [], skipped: [], upstreamFailed: [] },
    });
  });

  it('checks upstreamIndices references like upstream ones when the spec is applied', () => {
    const parsed = parsePipelineSpec(
      SPEC.replace('upstreamIndices.work.failed', 'upstreamIndices.nope.failed'),
      'yaml',
    );
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.map((i) => i.path)).toEqual(['/stages/2/with/failed']);
    const bare = parsePipelineSpec(SPEC.replace('upstreamIndices.work.failed', 'upstreamIndices'), 'yaml');
    expect(bare.ok ? [] : bare.issues.map((i) => i.message)).toEqual([
      'invalid CEL expression: line 1, column 1: upstreamIndices must be read with a literal stage id (upstreamIndices.x or upstreamIndices["x"]) so dependencies can be checked',
    ]);
  });
});
