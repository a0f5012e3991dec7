/**
 * report: the per-market report from `ctx.upstream.evaluate` (judge outputs)
 * and `ctx.upstream["ner-diff"]`: mean nDCG@10 and precision@5, nDCG per brand
 * (over the queries that name the brand), the three worst queries and the NER
 * mismatch rate.
 */
import { defineHandler } from '@tributary/worker-sdk';
import { asJson, isRecord, listOf, marketOf } from './handler-support.js';
import type { JudgeOutput, MarketReport } from './model.js';
import { isJudgeOutput } from './ner-diff.handler.js';
import { mean, round4 } from './text.js';

const roundOrNull = (value: number | null): number | null => (value === null ? null : round4(value));

export function buildReport(market: string, evaluations: readonly JudgeOutput[], nerDiffOutput: unknown): MarketReport {
  const byBrand = new Map<string, number[]>();
  for (const evaluation of evaluations) {
    const brand = evaluation.query.intent?.brand;
    if (brand) byBrand.set(brand, [...(byBrand.get(brand) ?? []), evaluation.ndcgAt10]);
  }
  const brandScores = Object.fromEntries(
    [...byBrand.keys()].sort().map((brand) => [brand, round4(mean(byBrand.get(brand) ?? []) ?? 0)]),
  );
  const worstQueries = [...evaluations]
    .sort((a, b) => a.ndcgAt10 - b.ndcgAt10 || (a.queryId < b.queryId ? -1 : 1))
    .slice(0, 3)
    .map((evaluation) => ({ queryId: evaluation.queryId, text: evaluation.query.text, ndcgAt10: evaluation.ndcgAt10 }));
  const mismatchRate = isRecord(nerDiffOutput) && typeof nerDiffOutput.mismatchRate === 'number' ? nerDiffOutput.mismatchRate : null;
  return {
    market,
    queries: evaluations.length,
    meanNdcg: roundOrNull(mean(evaluations.map((e) => e.ndcgAt10))),
    meanPrecisionAt5: roundOrNull(mean(evaluations.map((e) => e.precisionAt5))),
    brandScores,
    worstQueries,
    nerMismatchRate: mismatchRate,
  };
}

export const reportHandler = defineHandler({
  name: 'report',
  description: 'Builds the per-market search-quality report.',
  run(ctx) {
    ctx.signal.throwIfAborted();
    const evaluations = listOf(ctx.upstream.evaluate, isJudgeOutput);
    const report = buildReport(marketOf(ctx, evaluations[0]?.market), evaluations, ctx.upstream['ner-diff']);
    const lows = Object.entries(report.brandScores).filter(([, score]) => score < 0.5).map(([brand]) => brand);
    ctx.log.info(
      `${report.market}: ${report.queries} queries, nDCG@10 ${report.meanNdcg ?? 'n/a'}, P@5 ${report.meanPrecisionAt5 ?? 'n/a'}, ` +
        `NER mismatch ${report.nerMismatchRate ?? 'n/a'}${lows.length > 0 ? `, weak brands: ${lows.join(', ')}` : ''}`,
      { market: report.market, meanNdcg: report.meanNdcg },
    );
    return asJson(report);
  },
});
