import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BRANDS, CATALOG_SEED, generateCatalog, MARKETS, POORLY_DESCRIBED, serializeCatalog, VOCABULARY } from './catalog-generator.js';
import { CATALOG_URL, getCatalog, marketCatalog } from './catalog.js';
import { createPrng, hashString } from './prng.js';
import { tokenize } from './text.js';

describe('prng', () => {
  it('is a pure function of its seed', () => {
    const a = createPrng(42);
    const b = createPrng(42);
    const c = createPrng(43);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(hashString('PT')).toBe(hashString('PT'));
  });
});

describe('catalog generation', () => {
  it('reproduces data/catalog.json byte for byte from the committed seed', () => {
    const committed = readFileSync(CATALOG_URL, 'utf8');
    expect(serializeCatalog(generateCatalog(CATALOG_SEED))).toBe(committed);
  });

  it('is deterministic for any seed, and the seed matters', () => {
    expect(serializeCatalog(generateCatalog(7))).toBe(serializeCatalog(generateCatalog(7)));
    expect(serializeCatalog(generateCatalog(7))).not.toBe(serializeCatalog(generateCatalog(8)));
  });

  it('serializes to JSON that parses back to the same catalog', () => {
    const catalog = generateCatalog(CATALOG_SEED);
    expect(JSON.parse(serializeCatalog(catalog))).toEqual(catalog);
  });

  const catalog = getCatalog();

  it('has 150–300 well-formed products per market, with unique ids', () => {
    expect(Object.keys(catalog.markets).sort()).toEqual(['DE', 'FR', 'GR', 'LU', 'PT']);
    for (const market of Object.keys(MARKETS)) {
      const { products, info } = marketCatalog(catalog, market);
      expect(products.length).toBeGreaterThanOrEqual(150);
      expect(products.length).toBeLessThanOrEqual(300);
      for (const product of products) {
        expect(product.language).toBe(info.language);
        expect(product.id.startsWith(`${market}-`)).toBe(true);
        expect(product.price).toBeGreaterThan(0);
        expect(Object.keys(VOCABULARY[info.language]?.categories ?? {})).toContain(product.category);
      }
    }
    const ids = catalog.products.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('shares brands across markets', () => {
    const marketsOf = (brand: string) => new Set(catalog.products.filter((p) => p.brand === brand).map((p) => p.market));
    expect(marketsOf('Aurora').size).toBe(5);
    expect([...marketsOf('Kastro')].sort()).toEqual(['GR', 'PT']);
    for (const [brand, markets] of Object.entries(BRANDS)) expect([...marketsOf(brand)].sort()).toEqual([...markets].sort());
  });

  it('describes the chosen brands poorly in their markets only: no category or colour word in the title', () => {
    for (const [brand, markets] of Object.entries(POORLY_DESCRIBED)) {
      for (const market of Object.keys(MARKETS)) {
        const { products, vocabulary } = marketCatalog(catalog, market);
        const own = products.filter((p) => p.brand === brand);
        const describesItself = (p: (typeof own)[number]) => tokenize(p.title).includes(tokenize(vocabulary.categories[p.category] ?? '')[0] ?? '');
        if (markets.includes(market)) {
          expect(own.length).toBeGreaterThan(0);
          expect(own.some(describesItself)).toBe(false);
          expect(own.every((p) => !p.color || !tokenize(p.title).includes(tokenize(vocabulary.colors[p.color] ?? '')[0] ?? ''))).toBe(true);
        } else if (own.length > 0) {
          expect(own.every(describesItself)).toBe(true);
        }
      }
    }
  });

  it('titles use the market language (Greek transliterated)', () => {
    const gr = marketCatalog(catalog, 'GR').products.find((p) => p.brand === 'Aurora' && p.category === 'bag');
    expect(gr?.title).toMatch(/^Tsanta Aurora /);
    const lu = marketCatalog(catalog, 'LU').products.find((p) => p.brand === 'Aurora' && p.category === 'bag');
    expect(lu?.title).toMatch(/^Aurora \w+ Täsch/);
  });
});
