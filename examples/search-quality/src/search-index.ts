/**
 * A tiny in-memory BM25 index over one market's products (title + brand +
 * category tokens), built once per process and catalog, with a one-edit
 * spelling correction for query words the index has never seen.
 */
import type { Catalog, Product } from './catalog-model.js';
import { marketCatalog, memoByCatalog } from './catalog.js';
import { editDistance, tokenize } from './text.js';

export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

interface IndexedDoc {
  product: Product;
  length: number;
  termFrequencies: Map<string, number>;
}

export interface SearchIndex {
  market: string;
  docs: IndexedDoc[];
  averageLength: number;
  documentFrequency: Map<string, number>;
}

export interface SearchHit {
  product: Product;
  score: number;
}

export interface SearchResponse {
  hits: SearchHit[];
  /** Query words replaced by their closest indexed word (one edit away). */
  corrections: { from: string; to: string }[];
}

/** The tokens a product is found by. */
export function documentTokens(product: Product): string[] {
  return [...tokenize(product.title), ...tokenize(product.brand), ...tokenize(product.category)];
}

export function buildIndex(market: string, products: readonly Product[]): SearchIndex {
  const documentFrequency = new Map<string, number>();
  const docs = products.map((product): IndexedDoc => {
    const tokens = documentTokens(product);
    const termFrequencies = new Map<string, number>();
    for (const token of tokens) termFrequencies.set(token, (termFrequencies.get(token) ?? 0) + 1);
    for (const token of termFrequencies.keys()) documentFrequency.set(token, (documentFrequency.get(token) ?? 0) + 1);
    return { product, length: tokens.length, termFrequencies };
  });
  const averageLength = docs.length === 0 ? 0 : docs.reduce((sum, doc) => sum + doc.length, 0) / docs.length;
  return { market, docs, averageLength, documentFrequency };
}

/** The market's index over the given catalog, cached for the life of the process. */
export const marketIndex = memoByCatalog((catalog: Catalog, market: string) => buildIndex(market, marketCatalog(catalog, market).products));

/** Robertson–Spärck Jones idf as Lucene uses it (never negative). */
function idf(index: SearchIndex, term: string): number {
  const df = index.documentFrequency.get(term) ?? 0;
  return Math.log(1 + (index.docs.length - df + 0.5) / (df + 0.5));
}

/** Closest indexed word within one edit for words of 4+ letters; ties → more frequent, then alphabetical. */
function correct(index: SearchIndex, token: string): string | null {
  if (token.length < 4) return null;
  let best: { term: string; df: number } | null = null;
  for (const [term, df] of index.documentFrequency) {
    if (editDistance(token, term, 1) > 1) continue;
    if (!best || df > best.df || (df === best.df && term < best.term)) best = { term, df };
  }
  return best?.term ?? null;
}

/** Top `k` products for `text`, best first; equal scores in id order (deterministic). */
export function search(index: SearchIndex, text: string, k: number): SearchResponse {
  const corrections: { from: string; to: string }[] = [];
  const terms: string[] = [];
  for (const token of tokenize(text)) {
    let term = token;
    if (!index.documentFrequency.has(token)) {
      const corrected = correct(index, token);
      if (corrected) {
        corrections.push({ from: token, to: corrected });
        term = corrected;
      }
    }
    if (!terms.includes(term)) terms.push(term);
  }
  const hits: SearchHit[] = [];
  for (const doc of index.docs) {
    let score = 0;
    for (const term of terms) {
      const tf = doc.termFrequencies.get(term);
      if (!tf) continue;
      const norm = tf + BM25_K1 * (1 - BM25_B + (BM25_B * doc.length) / (index.averageLength || 1));
      score += idf(index, term) * ((tf * (BM25_K1 + 1)) / norm);
    }
    if (score > 0) hits.push({ product: doc.product, score });
  }
  hits.sort((a, b) => b.score - a.score || (a.product.id < b.product.id ? -1 : a.product.id > b.product.id ? 1 : 0));
  return { hits: hits.slice(0, k), corrections };
}
