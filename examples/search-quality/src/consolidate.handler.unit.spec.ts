import { FatalError } from '@tributary/worker-sdk';
import { describe, expect, it } from 'vitest';
import { consolidateHandler } from './consolidate.handler.js';
import { formatConsolidatedReport } from './format-report.js';
import type { ConsolidatedReport, GroupOutcome, MarketReport } from './model.js';
import { makeCtx } from './test-context.js';

const report = (market: string, meanNdcg: number, brandScores: Record<string, number>): MarketReport => ({
  market,
  queries: 12,
  meanNdcg,
  meanPrecisionAt5: 0.5,
  brandScores,
  worstQueries: [],
  nerMismatchRate: 0.25,
});

const group = (market: string, state: string, outputs: GroupOutcome['outputs']): GroupOutcome => ({
  block: 'market',
  path: `market=${market}`,
  key: market,
  value: market,
  state,
  outputs,
});

const run = async (groups: unknown, input: Record<string, unknown> = {}) => {
  const ctx = makeCtx({ upstream: { groups: groups as never }, input: input as never });
  return { output: (await consolidateHandler.run(ctx)) as unknown as ConsolidatedReport, ctx };
};

const LU = group('LU', 'success', { report: report('LU', 0.75, { Aurora: 0.9, Fjord: 0.3, Volta: 1 }) });
const PT = group('PT', 'success', { report: report('PT', 0.82, { Aurora: 1, Fjord: 0.9, Volta: 0.4, Kastro: 0.45 }) });
const GR = group('GR', 'success', { report: report('GR', 0.72, { Aurora: 0.8, Fjord: 0.45, Volta: 0.35, Kastro: 0.2 }) });

describe('consolidate handler', () => {
  it('builds the cross-market view: markets, and brands below the threshold in 2+ markets', async () => {
    const { output, ctx } = await run([LU, PT, GR]);
    expect(output.markets).toEqual([
      { market: 'LU', state: 'success', queries: 12, meanNdcg: 0.75, meanPrecisionAt5: 0.5, nerMismatchRate: 0.25 },
      { market: 'PT', state: 'success', queries: 12, meanNdcg: 0.82, meanPrecisionAt5: 0.5, nerMismatchRate: 0.25 },
      { market: 'GR', state: 'success', queries: 12, meanNdcg: 0.72, meanPrecisionAt5: 0.5, nerMismatchRate: 0.25 },
    ]);
    expect(output.lowBrands).toEqual([
      { brand: 'Kastro', markets: ['PT', 'GR'], meanNdcg: 0.325, scores: { PT: 0.45, GR: 0.2 } },
      { brand: 'Fjord', markets: ['LU', 'GR'], meanNdcg: 0.375, scores: { LU: 0.3, PT: 0.9, GR: 0.45 } },
      { brand: 'Volta', markets: ['PT', 'GR'], meanNdcg: 0.375, scores: { LU: 1, PT: 0.4, GR: 0.35 } },
    ]);
    expect(output.partial).toBe(false);
    expect(output.failedMarkets).toEqual([]);
    expect(ctx.logs.map((l) => l.message)).toEqual([
      'search quality over 3 markets (3 succeeded); low brands: Kastro (PT, GR); Fjord (LU, GR); Volta (PT, GR)',
    ]);
  });

  it('takes threshold and minMarkets from its input', async () => {
    expect((await run([LU, PT, GR], { threshold: 0.4 })).output.lowBrands.map((b) => b.brand)).toEqual([]);
    expect((await run([LU, PT, GR], { threshold: 0.4, minMarkets: 1 })).output.lowBrands.map((b) => b.brand)).toEqual(['Kastro', 'Fjord', 'Volta']);
    await expect(run([LU], { threshold: 2 })).rejects.toThrow(/threshold/);
  });

  it('reports a partial view when a group failed, listing it with no score', async () => {
    const failed = group('GR', 'failed', null);
    const { output, ctx } = await run([LU, PT, failed]);
    expect(output.partial).toBe(true);
    expect(output.failedMarkets).toEqual(['GR']);
    expect(output.markets[2]).toEqual({ market: 'GR', state: 'failed', queries: null, meanNdcg: null, meanPrecisionAt5: null, nerMismatchRate: null });
    expect(output.lowBrands).toEqual([]); // each low brand was low in GR and only one other market
    expect(ctx.logs[0]?.message).toContain('partial: GR failed');
  });

  it('copes with partial outputs of a failed group (report missing, null map entries)', async () => {
    const partial = group('GR', 'failed', { generate: { market: 'GR', queries: [] }, retrieve: [null, null], evaluate: null, 'ner-diff': { mismatchRate: null }, report: null });
    const { output } = await run([partial, { junk: true }, LU]);
    expect(output.markets.map((m) => [m.market, m.state, m.meanNdcg])).toEqual([
      ['GR', 'failed', null],
      ['LU', 'success', 0.75],
    ]);
    expect(output.failedMarkets).toEqual(['GR']);
  });

  it('fails fatally without a groups list', async () => {
    await expect(run(undefined)).rejects.toBeInstanceOf(FatalError);
  });
});

describe('formatConsolidatedReport', () => {
  it('prints markets, low brands and failed markets as a table', async () => {
    const { output } = await run([LU, PT, group('GR', 'failed', null)], { minMarkets: 1 });
    expect(formatConsolidatedReport(output)).toBe(
      [
        'Search quality — 3 markets, 2 succeeded (PARTIAL: some markets failed)',
        '',
        'market  state    queries  nDCG@10    P@5  NER mismatch',
        '------  -------  -------  -------  -----  ------------',
        'LU      success       12    0.750  0.500         0.250',
        'PT      success       12    0.820  0.500         0.250',
        'GR      failed         -        -      -             -',
        '',
        'Brands with nDCG@10 below 0.5 in 1+ markets:',
        '  brand   low in  mean nDCG  nDCG per market',
        '  ------  ------  ---------  -----------------',
        '  Fjord   LU          0.300  LU 0.30 · PT 0.90',
        '  Volta   PT          0.400  LU 1.00 · PT 0.40',
        '  Kastro  PT          0.450  PT 0.45',
        '',
        'Failed markets: GR',
      ].join('\n'),
    );
  });

  it('says so when nothing is low and nothing failed', async () => {
    const text = formatConsolidatedReport((await run([PT], { threshold: 0.1 })).output);
    expect(text).toContain('below 0.1 in 2+ markets:\n  none');
    expect(text.endsWith('Failed markets: none')).toBe(true);
  });
});
