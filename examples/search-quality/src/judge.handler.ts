/**
 * judge: mapped over the search outputs (`ctx.item` is one `{ query, results }`);
 * grades every result 0–3 with the transparent heuristic of relevance.ts
 * (brand, category and colour match against the query intent; token overlap for
 * free-text queries) and computes nDCG@10 and precision@5.
 */
import { defineHandler, FatalError } from '@tributary/worker-sdk';
import type { Catalog, Product } from './catalog-model.js';
import { getCatalog, marketCatalog, memoByCatalog } from './catalog.js';
import { asJson, isRecord, marketOf } from './handler-support.js';
import type { JudgeOutput, SearchOutput, SearchResult } from './model.js';
import { gradeProduct, ndcgAt, precisionAt } from './relevance.js';
import { isTestQuery } from './search.handler.js';
import { round4 } from './text.js';

const productsById = memoByCatalog((catalog: Catalog, market: string) => new Map(marketCatalog(catalog, market).products.map((p) => [p.id, p])));

function isSearchResult(value: unknown): value is SearchResult {
  return isRecord(value) && typeof value.id === 'string' && typeof value.title === 'string';
}

export function isSearchOutput(value: unknown): value is SearchOutput {
  return isRecord(value) && isTestQuery(value.query) && Array.isArray(value.results) && value.results.every(isSearchResult);
}

export function judge(market: string, output: SearchOutput): JudgeOutput {
  const catalog = getCatalog();
  const known = productsById(catalog, market);
  const query = { ...output.query, intent: output.query.intent ?? {} };
  const grades = output.results.map((result) => {
    // the judge looks at the product as the catalog knows it (with its colour); unknown ids only by what search returned
    const product: Pick<Product, 'brand' | 'category' | 'color' | 'title'> = known.get(result.id) ?? result;
    return { id: result.id, title: result.title, brand: result.brand, category: result.category, grade: gradeProduct(query, product) };
  });
  const pool = marketCatalog(catalog, market).products.map((product) => gradeProduct(query, product));
  const values = grades.map((g) => g.grade);
  return {
    market,
    queryId: query.id,
    query,
    grades,
    ndcgAt10: round4(ndcgAt(values, pool, 10)),
    precisionAt5: round4(precisionAt(values, 5)),
  };
}

export const judgeHandler = defineHandler({
  name: 'judge',
  description: 'Grades one query’s results 0–3 and computes nDCG@10 and precision@5 (mapped).',
  run(ctx) {
    ctx.signal.throwIfAborted();
    if (!isSearchOutput(ctx.item)) {
      throw new FatalError(`judge maps over search outputs: expected ctx.item = { query, results[] }, got ${JSON.stringify(ctx.item)?.slice(0, 200)}`);
    }
    const output = judge(marketOf(ctx, ctx.item.market), ctx.item);
    ctx.log.debug(`${output.queryId} "${output.query.text}": nDCG@10 ${output.ndcgAt10}, P@5 ${output.precisionAt5}`, {
      queryId: output.queryId,
      ndcgAt10: output.ndcgAt10,
    });
    return asJson(output);
  },
});
