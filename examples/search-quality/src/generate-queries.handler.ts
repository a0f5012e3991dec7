/**
 * generate-queries: test queries for one market, drawn from its catalog.
 * Input `{ perMarket?: number = 12 }`. Deterministic: the same catalog and
 * market always give the same queries.
 *
 * Slots cycle brand, category+color, brand, brand, misspelled category+color,
 * brand. Brand slots take the market's brands round-robin in a seeded order:
 * on the first pass over the brands they alternate brand+category and
 * brand+color, the second pass swaps the two, the third asks for the brand
 * alone. So the default 12 queries give each of a market's 8 brands one query
 * that tests how its products are described.
 */
import { defineHandler } from '@tributary/worker-sdk';
import type { Catalog } from './catalog-model.js';
import { getCatalog, marketCatalog } from './catalog.js';
import { asJson, inputOf, marketOf, numberOption } from './handler-support.js';
import type { GenerateOutput, QueryIntent, QueryKind, TestQuery } from './model.js';
import { createPrng, hashString, type Prng } from './prng.js';

export const DEFAULT_QUERIES_PER_MARKET = 12;

type Slot = 'brand' | 'category+color' | 'misspelled';
const SLOTS: readonly Slot[] = ['brand', 'category+color', 'brand', 'brand', 'misspelled', 'brand'];

/** The kind of the n-th brand slot, with `brandCount` brands in the market. */
export function brandSlotKind(n: number, brandCount: number): QueryKind {
  const pass = Math.floor(n / brandCount) % 3;
  if (pass === 2) return 'brand';
  return (n % brandCount) % 2 === pass ? 'brand+category' : 'brand+color';
}

/** A plausible typo: drop an inner letter, or swap two adjacent inner letters. */
export function misspell(prng: Prng, word: string): string {
  const letters = [...word];
  if (letters.length < 4) return `${word}${letters.at(-1) ?? ''}`;
  if (prng.chance(0.5)) {
    letters.splice(prng.int(1, letters.length - 2), 1);
  } else {
    const j = prng.int(1, letters.length - 3);
    [letters[j], letters[j + 1]] = [letters[j + 1] as string, letters[j] as string];
    if (letters.join('') === word) letters.splice(j, 1);
  }
  return letters.join('');
}

function distinctSorted(values: Iterable<string | undefined>): string[] {
  return [...new Set([...values].filter((value): value is string => value !== undefined))].sort();
}

export function generateQueries(catalog: Catalog, market: string, count: number): GenerateOutput {
  const slice = marketCatalog(catalog, market);
  const { categories: categoryWords, colors: colorWords } = slice.vocabulary;
  const prng = createPrng((catalog.seed ^ hashString(`queries:${market}`)) >>> 0);
  const brands = prng.shuffle(distinctSorted(slice.products.map((product) => product.brand)));
  const categoriesOf = new Map(brands.map((brand) => [brand, distinctSorted(slice.products.filter((p) => p.brand === brand).map((p) => p.category))]));
  const colorsOf = new Map(brands.map((brand) => [brand, distinctSorted(slice.products.filter((p) => p.brand === brand).map((p) => p.color))]));
  const categoryColors = distinctSorted(slice.products.map((p) => (p.color ? `${p.category}|${p.color}` : undefined)));

  const queries: TestQuery[] = [];
  const seen = new Set<string>();
  let brandCursor = 0;
  const word = (words: Record<string, string>, key: string): string => (words[key] ?? key).toLowerCase();

  for (let i = 0; queries.length < count && brands.length > 0 && i < count * 20; i++) {
    const slot = SLOTS[i % SLOTS.length] as Slot;
    let kind: QueryKind;
    let text: string;
    let intent: QueryIntent;
    if (slot === 'category+color' || slot === 'misspelled') {
      kind = slot;
      const [category, color] = prng.pick(categoryColors.length > 0 ? categoryColors : ['|']).split('|') as [string, string];
      if (!category || !color) continue;
      const categoryWord = word(categoryWords, category);
      text = `${kind === 'misspelled' ? misspell(prng, categoryWord) : categoryWord} ${word(colorWords, color)}`;
      intent = { category, color };
    } else {
      kind = brandSlotKind(brandCursor, brands.length);
      const brand = brands[brandCursor++ % brands.length] as string;
      const colors = colorsOf.get(brand) ?? [];
      if (kind === 'brand+color' && colors.length === 0) kind = 'brand';
      if (kind === 'brand+category') {
        const category = prng.pick(categoriesOf.get(brand) ?? []);
        text = `${brand} ${word(categoryWords, category)}`.toLowerCase();
        intent = { brand, category };
      } else if (kind === 'brand+color') {
        const color = prng.pick(colors);
        text = `${brand} ${word(colorWords, color)}`.toLowerCase();
        intent = { brand, color };
      } else {
        text = brand.toLowerCase();
        intent = { brand };
      }
    }
    // one query per text and per intent (two typos of the same words add little)
    const intentKey = JSON.stringify([intent.brand, intent.category, intent.color]);
    if (seen.has(text) || seen.has(intentKey)) continue;
    seen.add(text).add(intentKey);
    queries.push({ id: `${market}-q${String(queries.length + 1).padStart(2, '0')}`, text, kind, intent });
  }
  return { market, queries };
}

export const generateQueriesHandler = defineHandler({
  name: 'generate-queries',
  description: 'Generates deterministic test queries for the group’s market from the catalog.',
  run(ctx) {
    ctx.signal.throwIfAborted();
    const market = marketOf(ctx);
    const perMarket = numberOption(inputOf(ctx), 'perMarket', DEFAULT_QUERIES_PER_MARKET, { min: 1, max: 500, integer: true });
    const output = generateQueries(getCatalog(), market, perMarket);
    ctx.log.info(`generated ${output.queries.length} queries for ${market}`, { market, queries: output.queries.length });
    return asJson(output);
  },
});
