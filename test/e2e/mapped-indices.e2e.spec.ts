import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '@tributary/domain';
import { TributarySystem } from '../support/tributary-system.js';

const PIPELINE = `
id: indices-e2e
stages:
  - id: items
    executor: list
    with: { n: 6 }
  - id: work
    executor: indexed-work
    map: upstream.items
  - id: reduce
    executor: report-indices
    triggerRule: all_done
    with: { failedViaCel: "\${{ upstreamIndices.work.failed }}" }
`;

/** `indexed-work` fails index 3 and skips none; `report-indices` returns what the reduce was handed. */
function writeHandlerModule(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'indices-handlers-'));
  const path = join(dir, 'indices.mjs');
  writeFileSync(
    path,
    `export const indexedWork = {
  name: 'indexed-work',
  run: (ctx) => {
    if (ctx.mapIndex === 3) throw new Error('index 3 is broken');
    return 'out' + ctx.mapIndex;
  },
};
export const reportIndices = {
  name: 'report-indices',
  run: (ctx) => ({ outputs: ctx.upstream.work, indices: ctx.upstreamIndices.work, input: ctx.input }),
};
`,
  );
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('mapped outputs keep their positions through the real services', () => {
  let system: TributarySystem;
  const module = writeHandlerModule();

  beforeAll(async () => {
    system = await TributarySystem.start({
      executorHosts: [{ name: 'host', executors: ['list', 'indexed-work', 'report-indices'] }],
      handlers: [module.path],
    });
    await system.applyPipeline(PIPELINE);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    module.remove();
  }, 60_000);

  it('the downstream handler receives the successful outputs in map-index order and which index failed (ctx.upstreamIndices, and CEL)', async () => {
    const response = await system.api.post('/pipelines/indices-e2e/runs', { params: {} });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    const view: RunView = await system.waitForRun(response.body.runId, 90_000);
    expect(view.tasks.find((t) => t.taskId === 'work[3]')!.state).toBe('failed');
    const reduce = view.tasks.find((t) => t.taskId === 'reduce')!;
    expect(reduce.state).toBe('success');
    expect(reduce.output).toEqual({
      outputs: ['out0', 'out1', 'out2', 'out4', 'out5'],
      indices: { succeeded: [0, 1, 2, 4, 5], failed: [3], skipped: [], upstreamFailed: [] },
      input: { failedViaCel: [3] },
    });
  }, 120_000);
});
