import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RunHarness, planOf, type Outcome } from './run.fixture.js';
import { runViewOf } from './run-view.js';
import { initialRunState } from './run-state.js';
import { evolve } from './run-evolve.js';

const PIPELINES = [
  `
id: chain
defaults: { retries: 1, retryDelay: 1s }
params: { type: object, properties: { markets: { type: array, items: { type: string } } } }
stages:
  - group: market
    over: params.markets
    stages:
      - { id: generate, executor: gen }
      - { id: retrieve, executor: search, map: upstream.generate }
      - { id: evaluate, executor: judge, map: upstream.retrieve }
      - { id: ner-diff, executor: ner, dependsOn: [evaluate], triggerRule: all_done }
      - { id: report, executor: report, dependsOn: [evaluate, ner-diff], triggerRule: none_failed }
consolidate: { executor: consolidate, triggerRule: all_done }
`,
  `
id: rules
stages:
  - { id: a, executor: x }
  - { id: b, executor: x, dependsOn: [] }
  - { id: c, executor: x, dependsOn: [a, b], triggerRule: one_failed }
  - { id: d, executor: x, dependsOn: [a, b], triggerRule: one_success }
  - { id: e, executor: x, dependsOn: [c, d], triggerRule: none_failed_min_one_success }
  - { id: f, executor: x, dependsOn: [e], triggerRule: all_skipped }
  - { id: g, executor: x, dependsOn: [a], map: upstream.a, triggerRule: all_done }
  - { id: h, executor: x, dependsOn: [g, f], triggerRule: always }
`,
];

/** An executor whose answers come from fast-check: deterministic per (task, attempt) within one run. */
function scriptedExecutor(seed: number[]): (taskId: string, attempt: number) => Outcome {
  let i = 0;
  return (taskId) => {
    const pick = seed[i++ % seed.length]!;
    const kind = pick % 5 === 3 ? 'failed' : pick % 7 === 4 ? 'skipped' : 'success';
    if (kind === 'failed') return { outcome: 'failed' };
    if (kind === 'skipped') return { outcome: 'skipped' };
    return {
      outcome: 'success',
      output: taskId.endsWith('generate') || taskId === 'a' ? [...Array(pick % 4).keys()] : pick,
    };
  };
}

describe('run decider properties', () => {
  it('every run reaches a terminal state, and replaying its events reproduces the state, also across clears', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PIPELINES),
        fc.array(fc.nat(1000), { minLength: 1, maxLength: 40 }),
        fc.array(fc.constantFrom('LU', 'PT', 'GR', 'DE'), { maxLength: 3 }),
        fc.array(fc.nat(1000), { maxLength: 3 }),
        fc.boolean(),
        fc.array(fc.constantFrom<'dispatch' | 'host' | null>('dispatch', 'host', null, null, null), {
          minLength: 1,
          maxLength: 20,
        }),
        (spec, seed, markets, clears, downstream, losses) => {
          const run = new RunHarness(planOf(spec));
          run.start({ markets: [...new Set(markets)] });
          // Lost dispatches and silent hosts (issue #8) on some attempts.
          let n = 0;
          run.drive(scriptedExecutor(seed), undefined, () => losses[n++ % losses.length]!);
          expect(['success', 'failed']).toContain(run.state.run.status);
          expect(run.state.unfinished).toBe(0);
          for (const pick of clears) {
            const ids = [...run.state.tasks.keys()];
            const taskId = ids[pick % ids.length]!;
            run.send({
              type: 'ClearTaskInstances',
              runId: run.runId,
              taskIds: [taskId],
              downstream,
              onlyFailed: false,
              actor: 't',
              reason: 'p',
            });
            run.drive(scriptedExecutor(seed.map((s) => s + pick)));
            expect(['success', 'failed']).toContain(run.state.run.status);
          }
          const replayed = run.events.reduce(evolve, initialRunState(run.plan));
          expect(runViewOf(replayed)).toEqual(runViewOf(run.state));
          expect([replayed.unfinished, replayed.failedLeaves, replayed.active]).toEqual([
            run.state.unfinished,
            run.state.failedLeaves,
            run.state.active,
          ]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a run never reports success while a leaf failed', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { minLength: 1, maxLength: 30 }), (seed) => {
        const run = new RunHarness(planOf(PIPELINES[1]!));
        run.start({});
        run.drive(scriptedExecutor(seed));
        const leaves = ['h'];
        const leafFailed = leaves.some((id) => ['failed', 'upstream_failed'].includes(run.stateOf(id) ?? ''));
        expect(run.state.run.status).toBe(leafFailed ? 'failed' : 'success');
      }),
      { numRuns: 100 },
    );
  });
});
