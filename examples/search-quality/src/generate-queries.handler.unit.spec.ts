import { FatalError } from '@tributary/worker-sdk';
import { describe, expect, it } from 'vitest';
import { getCatalog, marketCatalog } from './catalog.js';
import { brandSlotKind, generateQueries, generateQueriesHandler, misspell } from './generate-queries.handler.js';
import type { GenerateOutput } from './model.js';
import { createPrng } from './prng.js';
import { makeCtx } from './test-context.js';

const run = async (market: string, input: Record<string, unknown> = {}) =>
  (await generateQueriesHandler.run(makeCtx({ market, input: input as never }))) as unknown as GenerateOutput;

describe('generate-queries', () => {
  it('generates 12 queries by default for the group’s market, with ids and intents', async () => {
    const output = await run('PT');
    expect(output.market).toBe('PT');
    expect(output.queries).toHaveLength(12);
    expect(output.queries.map((q) => q.id)).toEqual(Array.from({ length: 12 }, (_, i) => `PT-q${String(i + 1).padStart(2, '0')}`));
    expect(new Set(output.queries.map((q) => q.text)).size).toBe(12);
    const kinds = new Set(output.queries.map((q) => q.kind));
    expect(kinds).toEqual(new Set(['brand+category', 'category+color', 'brand+color', 'misspelled']));
  });

  it('is deterministic and honours perMarket', async () => {
    expect(await run('GR')).toEqual(await run('GR'));
    const more = await run('GR', { perMarket: 30 });
    expect(more.queries).toHaveLength(30);
    expect(more.queries.slice(0, 12)).toEqual((await run('GR')).queries);
    expect(more.queries.some((q) => q.kind === 'brand')).toBe(true);
  });

  it('asks only for what the market sells, in the market’s words', async () => {
    const { products, vocabulary } = marketCatalog(getCatalog(), 'LU');
    for (const query of (await run('LU', { perMarket: 40 })).queries) {
      const { brand, category, color } = query.intent;
      const matching = products.filter(
        (p) => (!brand || p.brand === brand) && (!category || p.category === category) && (!color || p.color === color),
      );
      expect(matching.length, query.text).toBeGreaterThan(0);
      if (brand) expect(query.text).toContain(brand.toLowerCase());
      if (color) expect(query.text).toContain(vocabulary.colors[color]!.toLowerCase());
      if (category && query.kind !== 'misspelled') expect(query.text).toContain(vocabulary.categories[category]!.toLowerCase());
      if (query.kind === 'misspelled') expect(query.text).not.toContain(vocabulary.categories[category!]!.toLowerCase());
    }
  });

  it('gives each brand one query on the first pass, alternating brand+category and brand+color', async () => {
    const brands = new Set(marketCatalog(getCatalog(), 'PT').products.map((p) => p.brand));
    const branded = (await run('PT')).queries.filter((q) => q.intent.brand);
    expect(new Set(branded.map((q) => q.intent.brand))).toEqual(brands);
    expect([0, 1, 7, 8, 16].map((n) => brandSlotKind(n, 8))).toEqual(['brand+category', 'brand+color', 'brand+color', 'brand+color', 'brand']);
  });

  it('misspells by dropping or swapping an inner letter', () => {
    const prng = createPrng(3);
    for (let i = 0; i < 20; i++) {
      const typo = misspell(prng, 'sapatilhas');
      expect(typo).not.toBe('sapatilhas');
      expect(typo[0]).toBe('s');
      expect(typo.length === 9 || [...typo].sort().join('') === [...'sapatilhas'].sort().join('')).toBe(true);
    }
  });

  it('fails fatally outside a market group, for an unknown market or a bad perMarket', async () => {
    await expect(async () => generateQueriesHandler.run(makeCtx())).rejects.toBeInstanceOf(FatalError);
    await expect(run('XX')).rejects.toThrow(/unknown market "XX"/);
    await expect(run('PT', { perMarket: 0 })).rejects.toThrow(/perMarket/);
    await expect(run('PT', { perMarket: 'many' })).rejects.toBeInstanceOf(FatalError);
  });

  it('logs how many queries it generated', async () => {
    const ctx = makeCtx({ market: 'PT', input: { perMarket: 3 } });
    await generateQueriesHandler.run(ctx);
    expect(ctx.logs).toEqual([{ level: 'info', message: 'generated 3 queries for PT', fields: { market: 'PT', queries: 3 } }]);
  });

  it('returns the same thing as the pure function', async () => {
    expect(await run('FR', { perMarket: 5 })).toEqual(generateQueries(getCatalog(), 'FR', 5));
  });
});
