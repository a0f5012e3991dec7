/**
 * consolidate: the fan-in over every market group (`ctx.upstream.groups`, one
 * `{ block, path, key, value, state, outputs }` per group, failed groups
 * included with null or partial outputs — the consolidation runs with
 * `triggerRule: all_done`). Builds the cross-market view: each market's state
 * and nDCG, the brands scoring below `threshold` (input, default 0.5) in at
 * least `minMarkets` (input, default 2) markets, and whether the view is
 * partial (some group did not succeed).
 */
import { defineHandler, FatalError } from '@tributary/worker-sdk';
import { asJson, inputOf, isRecord, listOf, numberOption } from './handler-support.js';
import type { ConsolidatedReport, GroupOutcome, LowBrand, MarketReport, MarketSummary } from './model.js';
import { mean, round4 } from './text.js';

export const DEFAULT_LOW_THRESHOLD = 0.5;
export const DEFAULT_MIN_MARKETS = 2;

function isGroupOutcome(value: unknown): value is GroupOutcome {
  return isRecord(value) && typeof value.state === 'string' && (typeof value.key === 'string' || typeof value.path === 'string');
}

function isMarketReport(value: unknown): value is MarketReport {
  return isRecord(value) && typeof value.market === 'string' && isRecord(value.brandScores);
}

/** `market=PT` → `PT` when a group has no usable key. */
function marketName(group: GroupOutcome): string {
  if (typeof group.key === 'string' && group.key !== '') return group.key;
  const path = group.path ?? '';
  return path.slice(path.lastIndexOf('=') + 1) || path;
}

export function consolidate(
  groups: readonly GroupOutcome[],
  options: { threshold?: number; minMarkets?: number } = {},
): ConsolidatedReport {
  const threshold = options.threshold ?? DEFAULT_LOW_THRESHOLD;
  const minMarkets = options.minMarkets ?? DEFAULT_MIN_MARKETS;
  const markets: MarketSummary[] = [];
  const brandScores = new Map<string, Map<string, number>>();
  for (const group of groups) {
    const market = marketName(group);
    const report = isRecord(group.outputs) && isMarketReport(group.outputs.report) ? group.outputs.report : null;
    markets.push({
      market,
      state: group.state,
      queries: report?.queries ?? null,
      meanNdcg: report?.meanNdcg ?? null,
      meanPrecisionAt5: report?.meanPrecisionAt5 ?? null,
      nerMismatchRate: report?.nerMismatchRate ?? null,
    });
    for (const [brand, score] of Object.entries(report?.brandScores ?? {})) {
      if (typeof score !== 'number') continue;
      const scores = brandScores.get(brand) ?? new Map<string, number>();
      scores.set(market, score);
      brandScores.set(brand, scores);
    }
  }
  const lowBrands: LowBrand[] = [];
  for (const [brand, scores] of brandScores) {
    const low = [...scores].filter(([, score]) => score < threshold);
    if (low.length < minMarkets) continue;
    lowBrands.push({
      brand,
      markets: low.map(([market]) => market),
      meanNdcg: round4(mean(low.map(([, score]) => score)) ?? 0),
      scores: Object.fromEntries(scores),
    });
  }
  lowBrands.sort((a, b) => b.markets.length - a.markets.length || a.meanNdcg - b.meanNdcg || (a.brand < b.brand ? -1 : 1));
  const failedMarkets = markets.filter((m) => m.state !== 'success').map((m) => m.market);
  return { threshold, minMarkets, markets, lowBrands, partial: failedMarkets.length > 0, failedMarkets };
}

export const consolidateHandler = defineHandler({
  name: 'consolidate',
  description: 'Fan-in: the cross-market view (nDCG per market, brands scoring low in several markets).',
  run(ctx) {
    ctx.signal.throwIfAborted();
    const groups = ctx.upstream.groups;
    if (!Array.isArray(groups)) {
      throw new FatalError('consolidate expects ctx.upstream.groups: the list of market groups with their state and outputs');
    }
    const input = inputOf(ctx);
    const output = consolidate(listOf(groups, isGroupOutcome), {
      threshold: numberOption(input, 'threshold', DEFAULT_LOW_THRESHOLD, { min: 0, max: 1 }),
      minMarkets: numberOption(input, 'minMarkets', DEFAULT_MIN_MARKETS, { min: 1, max: 1000, integer: true }),
    });
    const ok = output.markets.length - output.failedMarkets.length;
    ctx.log.info(
      `search quality over ${output.markets.length} markets (${ok} succeeded${output.partial ? `, partial: ${output.failedMarkets.join(', ')} failed` : ''}); ` +
        `low brands: ${output.lowBrands.map((b) => `${b.brand} (${b.markets.join(', ')})`).join('; ') || 'none'}`,
      { markets: output.markets.length, failed: output.failedMarkets.length, lowBrands: output.lowBrands.length },
    );
    return asJson(output);
  },
});
