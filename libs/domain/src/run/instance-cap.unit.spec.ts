import { describe, expect, it } from 'vitest';
import { RunHarness, planOf, type Outcome } from './run.fixture.js';
import { runViewOf } from './run-view.js';
import { initialRunState } from './run-state.js';
import { evolve } from './run-evolve.js';
import { parsePipelineSpec } from '../spec/parse-pipeline-spec.js';

/** Regions × markets × a map: each level is far under maxMapLength, the product is not. */
const NESTED = (limits: string) => `
id: nested
${limits}
stages:
  - group: region
    over: params.regions
    stages:
      - group: market
        over: params.markets
        stages:
          - id: fetch
            executor: list
          - id: process
            executor: echo
            map: upstream.fetch
consolidate:
  executor: consolidate
  triggerRule: all_done
`;

const FLAT = (limits: string) => `
id: flat
${limits}
stages:
  - group: market
    over: params.markets
    stages:
      - { id: generate, executor: gen }
      - { id: evaluate, executor: judge }
      - { id: report, executor: report }
`;

const ok = (output: unknown = null): Outcome => ({ outcome: 'success', output: output as never });

function replayed(run: RunHarness) {
  const state = initialRunState(run.plan);
  for (const event of run.events) evolve(state, event);
  return state;
}

describe('run decider: maxTaskInstances (run-wide cap)', () => {
  it('given nested groups × maps under maxMapLength, when a map would take the run over the cap, then that map fails with the reason and the others run', () => {
    const run = new RunHarness(planOf(NESTED('limits: { maxTaskInstances: 30 }')));
    run.start({ regions: ['eu', 'us'], markets: ['a', 'b', 'c'] });
    // 6 groups × fetch + the consolidation.
    expect(run.state.tasks.size).toBe(7);
    run.drive((taskId) => ok(taskId.endsWith('/fetch') ? ['w', 'x', 'y', 'z'] : 1));

    const mapFailures = run.eventsOfType('TaskInstanceFailed').filter((e) => e.error.type === 'MapError');
    expect(mapFailures).toHaveLength(1);
    // Five maps of 4 fit (7 + 5 × 4 = 27); the sixth would make 31.
    expect(mapFailures[0]!.error.message).toBe(
      'map: 4 elements would make 31 task instances in the run (27 already), over maxTaskInstances 30',
    );
    expect(mapFailures[0]!.error.retryable).toBe(false);
    const failedTask = mapFailures[0]!.taskId;
    expect(failedTask).toMatch(/^region=(eu|us)\/market=[abc]\/process$/);
    expect(run.state.tasks.size).toBe(28); // the refused map holds one failed instance, never 4
    expect(run.stateOf('consolidate')).toBe('success');
    expect(run.state.run.status).toBe('success');
    expect(runViewOf(run.state).tasks.find((t) => t.taskId === failedTask)!.error).toMatchObject({
      message: expect.stringContaining('over maxTaskInstances 30'),
    });
    expect(runViewOf(replayed(run))).toEqual(runViewOf(run.state));
  });

  it('given the default cap, when the same run is driven, then nothing is refused', () => {
    const run = new RunHarness(planOf(NESTED('')));
    run.start({ regions: ['eu', 'us'], markets: ['a', 'b', 'c'] });
    run.drive((taskId) => ok(taskId.endsWith('/fetch') ? ['w', 'x', 'y', 'z'] : 1));
    expect(run.eventsOfType('TaskInstanceFailed')).toEqual([]);
    expect(run.state.tasks.size).toBe(31);
    expect(run.state.run.status).toBe('success');
  });

  it('given a group block whose groups would take the run over the cap, when the run starts, then the block does not expand and the run fails with the reason', () => {
    const run = new RunHarness(planOf(FLAT('limits: { maxTaskInstances: 10 }')));
    run.start({ markets: ['LU', 'PT', 'GR', 'FR'] });
    const expanded = run.eventsOfType('GroupsExpanded');
    expect(expanded).toEqual([
      expect.objectContaining({
        blockPath: 'market',
        parentGroup: null,
        groups: [],
        unresolved: 'upstream_failed',
        error:
          'over: 4 groups of 3 task instances each would make 12 task instances in the run (0 already), over maxTaskInstances 10',
      }),
    ]);
    expect(run.state.tasks.size).toBe(0);
    expect(run.state.run.status).toBe('failed');
    expect(run.state.run.reason).toBe(
      'group block market: over: 4 groups of 3 task instances each would make 12 task instances in the run (0 already), over maxTaskInstances 10',
    );
    expect(runViewOf(replayed(run))).toEqual(runViewOf(run.state));
  });

  it('given exactly as many instances as the cap, then the run expands', () => {
    const run = new RunHarness(planOf(FLAT('limits: { maxTaskInstances: 12 }')));
    run.start({ markets: ['LU', 'PT', 'GR', 'FR'] });
    expect(run.state.tasks.size).toBe(12);
    run.drive(() => ok());
    expect(run.state.run.status).toBe('success');
  });
});

describe('pipeline spec: limits.maxTaskInstances', () => {
  it('defaults to 100 000 and refuses values over the ceiling, naming it', () => {
    const parsed = parsePipelineSpec(FLAT(''), 'yaml');
    expect(parsed.ok && parsed.spec.limits.maxTaskInstances).toBe(100_000);
    const over = parsePipelineSpec(FLAT('limits: { maxTaskInstances: 2000000 }'), 'yaml');
    expect(over.ok).toBe(false);
    expect(!over.ok && over.issues).toEqual([
      expect.objectContaining({
        path: '/limits/maxTaskInstances',
        message: 'maxTaskInstances must be at most 1000000 (the planner holds a run in memory), got 2000000',
      }),
    ]);
  });
});
