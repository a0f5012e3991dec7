/**
 * ner-diff: compares the named entities (brands, categories, colours, found
 * with the market's gazetteer) of each query with those in the titles of its
 * top results. Reads `ctx.upstream.evaluate` (the judge outputs; `[]` or holes
 * when evaluations failed — the stage runs with `triggerRule: all_done`).
 *
 * For each query, over its top 5 results:
 *   missingInResults  query entities no result title mentions
 *   unexpected        entities of a type the query names (brand, category,
 *                     colour) that result titles mention with another value
 * mismatchRate is the share of (query, top result) pairs whose title omits a
 * query entity or contradicts one; null when there is nothing to compare.
 */
import { defineHandler } from '@tributary/worker-sdk';
import type { Catalog } from './catalog-model.js';
import { getCatalog } from './catalog.js';
import { entityType, marketGazetteer, recognize } from './gazetteer.js';
import { asJson, isRecord, listOf, marketOf } from './handler-support.js';
import type { EntityMismatch, JudgeOutput, NerDiffOutput } from './model.js';
import { isTestQuery } from './search.handler.js';
import { round4 } from './text.js';

export const NER_TOP_RESULTS = 5;

export function isJudgeOutput(value: unknown): value is JudgeOutput {
  return (
    isRecord(value) &&
    typeof value.queryId === 'string' &&
    isTestQuery(value.query) &&
    Array.isArray(value.grades) &&
    typeof value.ndcgAt10 === 'number' &&
    typeof value.precisionAt5 === 'number'
  );
}

export function nerDiff(catalog: Catalog, market: string, evaluations: readonly JudgeOutput[]): NerDiffOutput {
  const gazetteer = marketGazetteer(catalog, market);
  const entityMismatches: EntityMismatch[] = [];
  let pairs = 0;
  let mismatchedPairs = 0;
  for (const evaluation of evaluations) {
    const queryEntities = recognize(gazetteer, evaluation.query.text, { fuzzy: true });
    if (queryEntities.length === 0) continue;
    const queryTypes = new Set(queryEntities.map(entityType));
    const seen = new Set<string>();
    const unexpected = new Set<string>();
    for (const result of evaluation.grades.slice(0, NER_TOP_RESULTS)) {
      const found = recognize(gazetteer, result.title);
      const conflicting = found.filter((entity) => queryTypes.has(entityType(entity)) && !queryEntities.includes(entity));
      found.forEach((entity) => seen.add(entity));
      conflicting.forEach((entity) => unexpected.add(entity));
      pairs++;
      if (conflicting.length > 0 || queryEntities.some((entity) => !found.includes(entity))) mismatchedPairs++;
    }
    const missingInResults = queryEntities.filter((entity) => !seen.has(entity));
    if (missingInResults.length > 0 || unexpected.size > 0) {
      entityMismatches.push({
        queryId: evaluation.queryId,
        text: evaluation.query.text,
        queryEntities,
        missingInResults,
        unexpected: [...unexpected].sort(),
      });
    }
  }
  return { market, queries: evaluations.length, entityMismatches, mismatchRate: pairs === 0 ? null : round4(mismatchedPairs / pairs) };
}

export const nerDiffHandler = defineHandler({
  name: 'ner-diff',
  description: 'Diffs the named entities of each query against its top results’ titles.',
  run(ctx) {
    ctx.signal.throwIfAborted();
    const evaluations = listOf(ctx.upstream.evaluate, isJudgeOutput);
    const market = marketOf(ctx, evaluations[0]?.market);
    const output = nerDiff(getCatalog(), market, evaluations);
    ctx.log.info(`${market}: ${output.entityMismatches.length}/${evaluations.length} queries with entity mismatches`, {
      market,
      mismatchRate: output.mismatchRate,
    });
    return asJson(output);
  },
});
