import { FatalError } from '@tributary/worker-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useCatalog } from './catalog.js';
import { judgeHandler } from './judge.handler.js';
import type { JudgeOutput, SearchOutput } from './model.js';
import { dcg, gradeProduct, ndcgAt, precisionAt } from './relevance.js';
import { searchQuery } from './search.handler.js';
import { makeCtx } from './test-context.js';
import { fixtureCatalog } from './test-fixtures.js';

const product = (brand: string, category: string, color?: string, title = '') => ({ brand, category, color, title });

describe('relevance grades', () => {
  const query = { text: 'aurora sapatilhas vermelho', intent: { brand: 'Aurora', category: 'sneakers', color: 'red' } };

  it('3 when every intent attribute matches', () => {
    expect(gradeProduct(query, product('Aurora', 'sneakers', 'red'))).toBe(3);
    expect(gradeProduct({ text: 'aurora', intent: { brand: 'aurora' } }, product('Aurora', 'bag'))).toBe(3);
  });

  it('2 for the right category with the wrong brand or colour', () => {
    expect(gradeProduct(query, product('Borealis', 'sneakers', 'red'))).toBe(2);
    expect(gradeProduct(query, product('Aurora', 'sneakers'))).toBe(2);
  });

  it('1 when only a non-category attribute matches', () => {
    expect(gradeProduct(query, product('Aurora', 'bag', 'black'))).toBe(1);
    expect(gradeProduct(query, product('Borealis', 'dress', 'red'))).toBe(1);
    expect(gradeProduct({ text: 'volta cinzento', intent: { brand: 'Volta', color: 'grey' } }, product('Volta', 'hat', 'blue'))).toBe(1);
  });

  it('0 when nothing matches', () => {
    expect(gradeProduct(query, product('Borealis', 'bag', 'blue'))).toBe(0);
  });

  it('grades free-text queries on token overlap with the title', () => {
    const text = { text: 'casaco trail', intent: {} };
    expect(gradeProduct(text, product('x', 'y', undefined, 'Casaco Aurora Trail'))).toBe(3);
    expect(gradeProduct(text, product('x', 'y', undefined, 'Casaco Borealis'))).toBe(2);
    expect(gradeProduct({ text: 'casaco trail azul', intent: {} }, product('x', 'y', undefined, 'Casaco Borealis'))).toBe(1);
    expect(gradeProduct(text, product('x', 'y', undefined, 'Mala'))).toBe(0);
  });
});

describe('metrics', () => {
  it('nDCG@10 is 1 for the ideal order, lower otherwise, 0 with nothing relevant', () => {
    expect(ndcgAt([3, 2, 1], [1, 2, 3, 0], 10)).toBe(1);
    expect(ndcgAt([1, 2, 3], [1, 2, 3], 10)).toBeCloseTo((1 + 3 / Math.log2(3) + 7 / 2) / (7 + 3 / Math.log2(3) + 1 / 2), 10);
    expect(ndcgAt([0, 0], [0, 0, 0], 10)).toBe(0);
    expect(dcg([3, 3, 3], 2)).toBeCloseTo(7 + 7 / Math.log2(3), 10);
  });

  it('precision@5 counts grades ≥ 2 over 5, however many results there are', () => {
    expect(precisionAt([3, 2, 1, 0, 3, 3], 5)).toBe(0.6);
    expect(precisionAt([3], 5)).toBe(0.2);
  });
});

describe('judge handler', () => {
  beforeEach(() => useCatalog(fixtureCatalog()));
  afterEach(() => useCatalog(null));

  it('grades each result and scores the list against the best possible one in the market', async () => {
    const item = searchQuery('XX', { id: 'XX-q01', text: 'sapatilhas vermelho', kind: 'category+color', intent: { category: 'sneakers', color: 'red' } }, 10);
    const output = (await judgeHandler.run(makeCtx({ market: 'XX', item: item as never }))) as unknown as JudgeOutput;
    expect(output.queryId).toBe('XX-q01');
    expect(output.query).toEqual(item.query);
    expect(output.grades.map((g) => [g.id, g.grade])).toEqual([
      ['XX-0001', 3],
      ['XX-0002', 2],
      ['XX-0005', 1],
    ]);
    // the poorly described XX-0004 (red sneakers titled "Volta Core VO-1234 Vestido") was missed: the ideal list has it
    const expected = dcg([3, 2, 1], 10) / dcg([3, 3, 2, 1], 10);
    expect(output.ndcgAt10).toBeCloseTo(expected, 4);
    expect(output.precisionAt5).toBe(0.4);
  });

  it('judges unknown result ids by what search returned', async () => {
    const item: SearchOutput = {
      market: 'XX',
      query: { id: 'q', text: 'aurora', kind: 'brand', intent: { brand: 'Aurora' } },
      results: [{ id: 'gone', title: 'Aurora', brand: 'Aurora', category: 'bag', score: 1 }],
      corrections: [],
    };
    const output = (await judgeHandler.run(makeCtx({ market: 'XX', item: item as never }))) as unknown as JudgeOutput;
    expect(output.grades[0]?.grade).toBe(3);
  });

  it('fails fatally when the item is not a search output', async () => {
    await expect(async () => judgeHandler.run(makeCtx({ market: 'XX', item: { query: 'x' } }))).rejects.toBeInstanceOf(FatalError);
  });
});
