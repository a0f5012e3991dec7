/**
 * search: mapped over the generated queries (`ctx.item` is one query); returns
 * the top `k` (input `{ k?: number = 10 }`) products of the group's market from
 * the in-memory BM25 index (built once per process and cached).
 */
import { defineHandler, FatalError } from '@tributary/worker-sdk';
import { getCatalog } from './catalog.js';
import { asJson, inputOf, isRecord, marketOf, numberOption } from './handler-support.js';
import type { SearchOutput, TestQuery } from './model.js';
import { marketIndex, search } from './search-index.js';
import { round4 } from './text.js';

export const DEFAULT_K = 10;

export function isTestQuery(value: unknown): value is TestQuery {
  return isRecord(value) && typeof value.id === 'string' && typeof value.text === 'string' && (value.intent === undefined || isRecord(value.intent));
}

export function searchQuery(market: string, query: TestQuery, k: number): SearchOutput {
  const response = search(marketIndex(getCatalog(), market), query.text, k);
  return {
    market,
    query: { ...query, intent: query.intent ?? {} },
    results: response.hits.map(({ product, score }) => ({
      id: product.id,
      title: product.title,
      brand: product.brand,
      category: product.category,
      score: round4(score),
    })),
    corrections: response.corrections,
  };
}

export const searchHandler = defineHandler({
  name: 'search',
  description: 'BM25 search over the market’s catalog for one query (mapped).',
  run(ctx) {
    ctx.signal.throwIfAborted();
    if (!isTestQuery(ctx.item)) {
      throw new FatalError(`search maps over queries: expected ctx.item = { id, text, intent }, got ${JSON.stringify(ctx.item)}`);
    }
    const k = numberOption(inputOf(ctx), 'k', DEFAULT_K, { min: 1, max: 100, integer: true });
    const output = searchQuery(marketOf(ctx, (ctx.item as { market?: unknown }).market), ctx.item, k);
    ctx.log.debug(`"${ctx.item.text}": ${output.results.length} results`, { queryId: ctx.item.id, results: output.results.length });
    return asJson(output);
  },
});
