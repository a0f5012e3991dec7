import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '@tributary/domain';
import { TributarySystem } from '../support/tributary-system.js';

/** Four markets; `failing` markets fail their (fatal) evaluate; the consolidation tolerates one failed group. */
const PIPELINE = `
id: budget-e2e
params:
  type: object
  properties:
    markets: { type: array, items: { type: string } }
    failing: { type: array, items: { type: string } }
stages:
  - group: market
    over: params.markets
    stages:
      - id: evaluate
        executor: fail
        with: { enabled: "\${{ group.key in params.failing }}", fatal: true, message: judge down }
consolidate:
  executor: budget-gather
  tolerate: { failedGroups: 1 }
`;

/** A consolidation handler that returns what it was given: the groups' states and `failedGroups`. */
function writeHandlerModule(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'budget-handlers-'));
  const path = join(dir, 'budget.mjs');
  writeFileSync(
    path,
    `export const budgetGather = {
  name: 'budget-gather',
  run: (ctx) => ({
    failedGroups: ctx.upstream.failedGroups,
    states: Object.fromEntries(ctx.upstream.groups.map((g) => [g.path, g.state])),
  }),
};
`,
  );
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('failure budget on the fan-in (consolidate.tolerate) through the real services', () => {
  let system: TributarySystem;
  const module = writeHandlerModule();

  beforeAll(async () => {
    system = await TributarySystem.start({
      executorHosts: [{ name: 'host', executors: ['fail'] }],
      handlers: [module.path],
    });
    await system.applyPipeline(PIPELINE);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    module.remove();
  }, 60_000);

  const trigger = async (failing: string[]): Promise<RunView> => {
    const response = await system.api.post('/pipelines/budget-e2e/runs', {
      params: { markets: ['LU', 'PT', 'GR', 'DE'], failing },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    return system.waitForRun(response.body.runId, 90_000);
  };

  it('exactly at the budget (1 failed group of 4) the consolidation runs with the failed group marked in its input', async () => {
    const view = await trigger(['PT']);
    expect(view.groups.find((g) => g.path === 'market=PT')!.state).toBe('failed');
    const consolidate = view.tasks.find((t) => t.taskId === 'consolidate')!;
    expect(consolidate.state).toBe('success');
    expect(consolidate.output).toEqual({
      failedGroups: ['market=PT'],
      states: {
        'market=LU': 'success',
        'market=PT': 'failed',
        'market=GR': 'success',
        'market=DE': 'success',
      },
    });
    expect(view.run.state).toBe('success');
  }, 120_000);

  it('one over the budget (2 failed groups) the consolidation is upstream_failed, saying why, and the run failed', async () => {
    const view = await trigger(['PT', 'GR']);
    const consolidate = view.tasks.find((t) => t.taskId === 'consolidate')!;
    expect(consolidate.state).toBe('upstream_failed');
    expect(consolidate.output).toBeNull();
    expect(view.run.state).toBe('failed');
    const events = await system.db
      .selectFrom('event_log')
      .select(['type', 'payload'])
      .where('run_id', '=', view.run.id)
      .where('task_id', '=', 'consolidate')
      .execute();
    const upstreamFailed = events.find((e) => e.type === 'TaskInstanceUpstreamFailed');
    expect((upstreamFailed!.payload as { reason: string }).reason).toMatch(
      /^failure budget exceeded: 2 of 4 group\(s\) failed, tolerate failedGroups 1/,
    );
  }, 120_000);
});
