import { FatalError } from '@tributary/worker-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getCatalog, useCatalog } from './catalog.js';
import type { SearchOutput, TestQuery } from './model.js';
import { buildIndex, marketIndex, search } from './search-index.js';
import { searchHandler } from './search.handler.js';
import { makeCtx } from './test-context.js';
import { fixtureCatalog } from './test-fixtures.js';

const query = (text: string, intent: TestQuery['intent'] = {}): TestQuery => ({ id: 'XX-q01', text, kind: 'category+color', intent });

describe('BM25 index', () => {
  const products = fixtureCatalog().products.filter((p) => p.market === 'XX');
  const index = buildIndex('XX', products);

  it('ranks documents matching more (and rarer) query terms first, ties in id order', () => {
    const { hits } = search(index, 'sapatilhas vermelho', 10);
    expect(hits.map((h) => h.product.id)).toEqual(['XX-0001', 'XX-0002', 'XX-0005']);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    expect(hits[1]!.score).toBe(hits[2]!.score);
  });

  it('folds case and diacritics, and finds products by brand and canonical category', () => {
    expect(search(index, 'AURORA', 10).hits.map((h) => h.product.id)).toEqual(['XX-0006', 'XX-0001', 'XX-0003']);
    expect(search(index, 'sneakers', 10).hits.map((h) => h.product.id).sort()).toEqual(['XX-0001', 'XX-0002', 'XX-0004']);
  });

  it('corrects a word one edit away from an indexed one, not two', () => {
    const corrected = search(index, 'sapatilas', 10);
    expect(corrected.corrections).toEqual([{ from: 'sapatilas', to: 'sapatilhas' }]);
    expect(corrected.hits.map((h) => h.product.id)).toEqual(['XX-0001', 'XX-0002']);
    const tooFar = search(index, 'sapatilsha', 10);
    expect(tooFar.corrections).toEqual([]);
    expect(tooFar.hits).toEqual([]);
  });

  it('returns at most k hits', () => {
    expect(search(index, 'aurora borealis', 2).hits).toHaveLength(2);
  });
});

describe('search handler', () => {
  beforeEach(() => useCatalog(fixtureCatalog()));
  afterEach(() => useCatalog(null));

  it('searches the group’s market only and returns { query, results }', async () => {
    const item = query('sapatilhas aurora', { brand: 'Aurora', category: 'sneakers' });
    const output = (await searchHandler.run(makeCtx({ market: 'XX', item: item as never, input: { k: 2 } }))) as unknown as SearchOutput;
    expect(output.query).toEqual(item);
    expect(output.market).toBe('XX');
    expect(output.results).toHaveLength(2);
    expect(output.results[0]).toMatchObject({ id: 'XX-0001', title: 'Sapatilhas Aurora Runner vermelho', brand: 'Aurora', category: 'sneakers' });
    const yy = (await searchHandler.run(makeCtx({ market: 'YY', item: item as never }))) as unknown as SearchOutput;
    expect(yy.results.map((r) => r.id)).toEqual(['YY-0001']);
  });

  it('builds each market index once per catalog', () => {
    expect(marketIndex(getCatalog(), 'XX')).toBe(marketIndex(getCatalog(), 'XX'));
    expect(marketIndex(getCatalog(), 'XX')).not.toBe(marketIndex(fixtureCatalog(), 'XX'));
  });

  it('fails fatally on a non-query item, an unknown market or a bad k', async () => {
    await expect(async () => searchHandler.run(makeCtx({ market: 'XX', item: 'shoes' }))).rejects.toBeInstanceOf(FatalError);
    await expect(async () => searchHandler.run(makeCtx({ market: 'ZZ', item: query('x') as never }))).rejects.toThrow(/unknown market "ZZ"/);
    await expect(async () => searchHandler.run(makeCtx({ market: 'XX', item: query('x') as never, input: { k: 0 } }))).rejects.toThrow(/input.k/);
  });
});
