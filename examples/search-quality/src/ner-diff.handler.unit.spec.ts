import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getCatalog, useCatalog } from './catalog.js';
import { buildGazetteer, recognize } from './gazetteer.js';
import type { JudgeOutput, NerDiffOutput } from './model.js';
import { nerDiffHandler } from './ner-diff.handler.js';
import { makeCtx } from './test-context.js';
import { fixtureCatalog } from './test-fixtures.js';

const evaluation = (queryId: string, text: string, titles: string[]): JudgeOutput => ({
  market: 'XX',
  queryId,
  query: { id: queryId, text, kind: 'brand+category', intent: {} },
  grades: titles.map((title, i) => ({ id: `r${i}`, title, brand: '', category: '', grade: 0 })),
  ndcgAt10: 0,
  precisionAt5: 0,
});

describe('gazetteer', () => {
  it('recognises brands (multi-word, accents folded), categories and colours of the market language', () => {
    const gazetteer = buildGazetteer(getCatalog(), 'LU');
    expect(recognize(gazetteer, 'Maison Lumiere Täsch rout')).toEqual(['brand:Maison Lumière', 'category:bag', 'color:red']);
    expect(recognize(gazetteer, 'Aurora Runner Turnschlappen')).toEqual(['brand:Aurora', 'category:sneakers']);
    expect(recognize(buildGazetteer(getCatalog(), 'GR'), 'Tsanta Aurora Flex mple')).toEqual(['category:bag', 'brand:Aurora', 'color:blue']);
  });

  it('forgives one typo in long words only when asked (queries), never in short ones', () => {
    const gazetteer = buildGazetteer(getCatalog(), 'PT');
    expect(recognize(gazetteer, 'sapatilas')).toEqual([]);
    expect(recognize(gazetteer, 'sapatilas', { fuzzy: true })).toEqual(['category:sneakers']);
    expect(recognize(gazetteer, 'mal azul', { fuzzy: true })).toEqual(['color:blue']);
  });
});

describe('ner-diff handler', () => {
  beforeEach(() => useCatalog(fixtureCatalog()));
  afterEach(() => useCatalog(null));

  it('lists the entities each query misses or contradicts in its top results, and the pair mismatch rate', async () => {
    const evaluate = [
      evaluation('q1', 'aurora sapatilhas', ['Sapatilhas Aurora Runner vermelho', 'Sapatilhas Borealis Flex azul', 'Mala Aurora Nova preto']),
      null, // a failed map index
      evaluation('q2', 'volta vermelho', ['Volta Core VO-1234 Vestido']),
      { not: 'a judge output' },
      evaluation('q3', 'sapatilas azul', ['Sapatilhas Borealis Flex azul']),
    ];
    const output = (await nerDiffHandler.run(makeCtx({ market: 'XX', upstream: { evaluate: evaluate as never } }))) as unknown as NerDiffOutput;
    expect(output).toEqual({
      market: 'XX',
      queries: 3,
      entityMismatches: [
        {
          queryId: 'q1',
          text: 'aurora sapatilhas',
          queryEntities: ['brand:Aurora', 'category:sneakers'],
          missingInResults: [],
          unexpected: ['brand:Borealis', 'category:bag'],
        },
        { queryId: 'q2', text: 'volta vermelho', queryEntities: ['brand:Volta', 'color:red'], missingInResults: ['color:red'], unexpected: [] },
      ],
      mismatchRate: 0.6,
    });
  });

  it('only looks at the top 5 results', async () => {
    const titles = [...Array<string>(5).fill('Sapatilhas Aurora Runner'), 'Mala Borealis'];
    const output = (await nerDiffHandler.run(
      makeCtx({ market: 'XX', upstream: { evaluate: [evaluation('q', 'aurora sapatilhas', titles)] as never } }),
    )) as unknown as NerDiffOutput;
    expect(output.entityMismatches).toEqual([]);
    expect(output.mismatchRate).toBe(0);
  });

  it('copes with no evaluations at all (every evaluate failed): nothing to compare', async () => {
    for (const evaluate of [[], null, undefined]) {
      const output = (await nerDiffHandler.run(makeCtx({ market: 'XX', upstream: { evaluate: evaluate as never } }))) as unknown as NerDiffOutput;
      expect(output).toEqual({ market: 'XX', queries: 0, entityMismatches: [], mismatchRate: null });
    }
  });
});
