import type { GridCell } from '@tributary/api-contract';
import { describe, expect, it } from 'vitest';
import { gridRows } from './grid-model';
import { stageNodes, type PipelineSpecView } from './pipeline-stages';

describe('grid rows', () => {
  const cells: GridCell[] = [
    { group: null, stage: 'consolidate', counts: { success: 1 } },
    { group: 'market=LU/lang=fr', stage: 'market/lang/fetch', counts: { failed: 1 } },
    { group: 'market=LU', stage: 'market/generate', counts: { success: 1 } },
    { group: 'shard=10', stage: 'shard/x', counts: { running: 2 } },
    { group: 'shard=2', stage: 'shard/x', counts: { success: 2 } },
  ];

  it('orders groups by path (numbers as numbers), nests children under parents, the run last', () => {
    const rows = gridRows(cells);
    expect(rows.map((r) => [r.path, r.depth, r.parent])).toEqual([
      ['market=LU', 0, true],
      ['market=LU/lang=fr', 1, false],
      ['shard=2', 0, false],
      ['shard=10', 0, false],
      [null, 0, false],
    ]);
    expect(rows[1]!.name).toBe('lang=fr');
    expect(rows[1]!.cells.get('market/lang/fetch')).toEqual({ failed: 1 });
  });

  it('hides the descendants of a collapsed group', () => {
    expect(gridRows(cells, new Set(['market=LU'])).map((r) => r.path)).toEqual([
      'market=LU',
      'shard=2',
      'shard=10',
      null,
    ]);
  });
});

describe('stage columns from the spec', () => {
  it('walks group blocks in spec order, chains stages without dependsOn, ends with the consolidation', () => {
    const spec: PipelineSpecView = {
      id: 'p',
      stages: [
        {
          id: 'market',
          kind: 'group',
          stages: [
            { id: 'generate', kind: 'task', dependsOn: [] },
            { id: 'retrieve', kind: 'task', map: { kind: 'cel' }, dependsOn: ['generate'] },
            { id: 'report', kind: 'task' },
          ],
        },
      ],
      consolidate: { executor: 'c' },
    };
    expect(stageNodes(spec)).toEqual([
      { path: 'market/generate', id: 'generate', block: 'market', mapped: false, upstream: [] },
      {
        path: 'market/retrieve',
        id: 'retrieve',
        block: 'market',
        mapped: true,
        upstream: ['market/generate'],
      },
      { path: 'market/report', id: 'report', block: 'market', mapped: false, upstream: ['market/retrieve'] },
      { path: 'consolidate', id: 'consolidate', block: null, mapped: false, upstream: ['market/report'] },
    ]);
  });
});
