import { FatalError } from '@tributary/worker-sdk';
import { describe, expect, it } from 'vitest';
import type { JudgeOutput, MarketReport } from './model.js';
import { reportHandler } from './report.handler.js';
import { makeCtx } from './test-context.js';

const judged = (queryId: string, text: string, brand: string | undefined, ndcgAt10: number, precisionAt5: number): JudgeOutput => ({
  market: 'PT',
  queryId,
  query: { id: queryId, text, kind: brand ? 'brand+category' : 'category+color', intent: brand ? { brand, category: 'bag' } : { category: 'bag', color: 'red' } },
  grades: [],
  ndcgAt10,
  precisionAt5,
});

describe('report handler', () => {
  const evaluate = [
    judged('PT-q01', 'volta mala', 'Volta', 0.2, 0),
    judged('PT-q02', 'mala vermelho', undefined, 0.9, 0.8),
    judged('PT-q03', 'aurora mala', 'Aurora', 1, 1),
    judged('PT-q04', 'volta vermelho', 'Volta', 0.4, 0.2),
    judged('PT-q05', 'mala preto', undefined, 0.9, 0.6),
  ];

  it('summarises the market: means, nDCG per brand, worst queries, NER mismatch rate', async () => {
    const ctx = makeCtx({ market: 'PT', upstream: { evaluate: evaluate as never, 'ner-diff': { market: 'PT', mismatchRate: 0.25 } } });
    const report = (await reportHandler.run(ctx)) as unknown as MarketReport;
    expect(report).toEqual({
      market: 'PT',
      queries: 5,
      meanNdcg: 0.68,
      meanPrecisionAt5: 0.52,
      brandScores: { Aurora: 1, Volta: 0.3 },
      worstQueries: [
        { queryId: 'PT-q01', text: 'volta mala', ndcgAt10: 0.2 },
        { queryId: 'PT-q04', text: 'volta vermelho', ndcgAt10: 0.4 },
        { queryId: 'PT-q02', text: 'mala vermelho', ndcgAt10: 0.9 },
      ],
      nerMismatchRate: 0.25,
    });
    expect(ctx.logs.at(-1)?.message).toBe('PT: 5 queries, nDCG@10 0.68, P@5 0.52, NER mismatch 0.25, weak brands: Volta');
  });

  it('reports what it has when ner-diff gave nothing, and nulls when there was nothing to judge', async () => {
    const withoutNer = (await reportHandler.run(makeCtx({ market: 'PT', upstream: { evaluate: evaluate as never } }))) as unknown as MarketReport;
    expect(withoutNer.nerMismatchRate).toBeNull();
    const empty = (await reportHandler.run(makeCtx({ market: 'PT', upstream: { evaluate: [] } }))) as unknown as MarketReport;
    expect(empty).toMatchObject({ queries: 0, meanNdcg: null, meanPrecisionAt5: null, brandScores: {}, worstQueries: [] });
  });

  it('needs a market', async () => {
    await expect(async () => reportHandler.run(makeCtx({ upstream: { evaluate: [] } }))).rejects.toBeInstanceOf(FatalError);
  });
});
