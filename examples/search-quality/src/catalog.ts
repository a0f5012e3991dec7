/**
 * Access to the shipped catalog (`data/catalog.json`), read once per process.
 * Tests may swap in a small fixture catalog with `useCatalog`.
 */
import { readFileSync } from 'node:fs';
import { FatalError } from '@tributary/worker-sdk';
import type { Catalog, LanguageVocabulary, MarketInfo, Product } from './catalog-model.js';

/** `src/` and `dist/` both sit one level below the package root, next to `data/`. */
export const CATALOG_URL = new URL('../data/catalog.json', import.meta.url);

let loaded: Catalog | null = null;
let override: Catalog | null = null;

/** Parses and sanity-checks a catalog document. */
export function parseCatalog(text: string): Catalog {
  const value = JSON.parse(text) as Partial<Catalog>;
  if (typeof value !== 'object' || value === null || !Array.isArray(value.products) || typeof value.markets !== 'object' || typeof value.vocabulary !== 'object') {
    throw new Error('catalog: expected { markets, vocabulary, products[] }');
  }
  return value as Catalog;
}

/** The catalog handlers use: the fixture set with `useCatalog`, else `data/catalog.json`. */
export function getCatalog(): Catalog {
  if (override) return override;
  if (!loaded) loaded = parseCatalog(readFileSync(CATALOG_URL, 'utf8'));
  return loaded;
}

/** Replaces the catalog for this process (tests); `null` restores the shipped one. */
export function useCatalog(catalog: Catalog | null): void {
  override = catalog;
}

export interface MarketCatalog {
  market: string;
  info: MarketInfo;
  vocabulary: LanguageVocabulary;
  products: Product[];
}

const marketCache = new WeakMap<Catalog, Map<string, MarketCatalog>>();

/** One market's slice of the catalog; a FatalError (no retry can help) for an unknown market. */
export function marketCatalog(catalog: Catalog, market: string): MarketCatalog {
  let byMarket = marketCache.get(catalog);
  if (!byMarket) {
    byMarket = new Map();
    marketCache.set(catalog, byMarket);
  }
  const cached = byMarket.get(market);
  if (cached) return cached;
  const info = catalog.markets[market];
  if (!info) {
    throw new FatalError(`unknown market "${market}": the catalog has ${Object.keys(catalog.markets).sort().join(', ')}`);
  }
  const vocabulary = catalog.vocabulary[info.language] ?? { categories: {}, colors: {} };
  const slice: MarketCatalog = { market, info, vocabulary, products: catalog.products.filter((product) => product.market === market) };
  byMarket.set(market, slice);
  return slice;
}

/** Per-catalog memo (indexes, gazetteers): built once per process and catalog. */
export function memoByCatalog<T>(build: (catalog: Catalog, market: string) => T): (catalog: Catalog, market: string) => T {
  const cache = new WeakMap<Catalog, Map<string, T>>();
  return (catalog, market) => {
    let byMarket = cache.get(catalog);
    if (!byMarket) {
      byMarket = new Map();
      cache.set(catalog, byMarket);
    }
    let value = byMarket.get(market);
    if (value === undefined) {
      value = build(catalog, market);
      byMarket.set(market, value);
    }
    return value;
  };
}
