import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '@tributary/domain';
import { CLI, TributarySystem } from '../support/tributary-system.js';

const run = promisify(execFile);

const PIPELINE = `
id: labels-e2e
params:
  type: object
  properties:
    markets: { type: array }
    queries: { type: array }
stages:
  - group: market
    over: params.markets
    key: item.code
    label: '"market " + item.name'
    stages:
      - id: queries
        executor: echo
        with: { value: "\${{ params.queries }}" }
      - id: retrieve
        executor: echo
        map: upstream.queries
        label: '"query: " + item.text'
`;

describe('map labels through the real services: run view and CLI', () => {
  let system: TributarySystem;

  beforeAll(async () => {
    system = await TributarySystem.start({
      executorHosts: [{ name: 'host', executors: ['echo'] }],
      handlers: [],
    });
    await system.applyPipeline(PIPELINE);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('labels every mapped instance and group, shows them in GET /runs/:id and `runs show`, and the projection equals the fold', async () => {
    const response = await system.api.post('/pipelines/labels-e2e/runs', {
      params: {
        markets: [{ code: 'LU', name: 'Luxembourg' }],
        queries: [{ text: 'red dress' }, { text: 'blue shoes' }],
      },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    const runId = response.body.runId;
    const view: RunView = await system.waitForRun(runId, 90_000);
    expect(view.run.state).toBe('success');
    expect(view.groups).toEqual([
      {
        path: 'market=LU',
        state: 'success',
        label: 'market Luxembourg',
        // The run view counts the group's instances (they are listed on GET /runs/:id/tasks).
        counts: {
          success: view.tasks.filter((t: { group: string | null }) => t.group === 'market=LU').length,
        },
      },
    ]);
    const labels = view.tasks.map((t) => [t.taskId, t.mapIndex, t.label]);
    expect(labels).toEqual([
      ['market=LU/queries', null, null],
      ['market=LU/retrieve[0]', 0, 'query: red dress'],
      ['market=LU/retrieve[1]', 1, 'query: blue shoes'],
    ]);

    const env = { ...process.env, ...system.env };
    const shown = await run(process.execPath, [CLI, 'runs', 'show', runId], { env });
    expect(shown.stdout).toMatch(/^market=LU "market Luxembourg" +success +3\/3/m);
    expect(shown.stdout).toMatch(/^market=LU\/retrieve\[0\] +"query: red dress" +success/m);
    expect(shown.stdout).toMatch(/^market=LU\/retrieve\[1\] +"query: blue shoes" +success/m);
    const replay = await run(process.execPath, [CLI, 'audit', 'replay', runId], { env });
    // Exits 1 (execFile rejects) on any difference, the labels included.
    expect(replay.stdout).toMatch(
      /^replay ok: \d+ events fold to the projected state \(run success, 1 groups, 3 task instances\)/m,
    );
  }, 120_000);
});
