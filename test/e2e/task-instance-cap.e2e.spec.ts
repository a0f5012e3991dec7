import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TributarySystem } from '../support/tributary-system.js';

/** Regions × markets × a map of 4: each level is far under maxMapLength, the run is over maxTaskInstances. */
const PIPELINE = `
id: instance-cap-e2e
limits: { maxTaskInstances: 20 }
stages:
  - group: region
    over: params.regions
    stages:
      - group: market
        over: params.markets
        stages:
          - id: fetch
            executor: list
            with: { n: 4 }
          - id: process
            executor: echo
            map: upstream.fetch
consolidate:
  executor: noop
  triggerRule: all_done
`;

describe('maxTaskInstances through the real services', () => {
  let system: TributarySystem;

  beforeAll(async () => {
    system = await TributarySystem.start({
      executorHosts: [{ name: 'host', executors: ['list', 'echo', 'noop'] }],
    });
    await system.applyPipeline(PIPELINE);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('refuses the expansions that would take the run over the cap, with the reason in the run view and the log', async () => {
    const response = await system.api.post('/pipelines/instance-cap-e2e/runs', {
      params: { regions: ['eu', 'us'], markets: ['a', 'b', 'c'] },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    const runId: string = response.body.runId;
    const view = await system.waitForRun(runId, 90_000);
    // 6 fetches + the consolidation = 7; three maps of 4 fit (19), the other three are refused.
    const refused = view.tasks.filter((t: any) => t.error?.type === 'MapError');
    expect(refused).toHaveLength(3);
    for (const task of refused) {
      expect(task.taskId).toMatch(/^region=(eu|us)\/market=[abc]\/process$/);
      expect(task.state).toBe('failed');
      expect(task.error.message).toMatch(
        /^map: 4 elements would make 2[0-9] task instances in the run \(\d+ already\), over maxTaskInstances 20$/,
      );
    }
    expect(view.tasks.length).toBeLessThanOrEqual(22);
    expect(view.run).toMatchObject({ state: 'success', partial: true });

    const events = await system.api.get(`/runs/${runId}/events?limit=10000`);
    const failures = events.body.filter(
      (e: any) => e.type === 'TaskInstanceFailed' && /over maxTaskInstances 20/.test(e.payload.error.message),
    );
    expect(failures).toHaveLength(3);
  }, 120_000);
});
