import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import handlersDefault, * as module from './handlers.js';
import { runLocally } from './local-run.js';

describe('handlers module (TRIBUTARY_HANDLERS)', () => {
  it('exports exactly the six handlers of the pipeline, and formatConsolidatedReport', () => {
    expect(module.handlers.map((h) => h.name)).toEqual(['generate-queries', 'search', 'judge', 'ner-diff', 'report', 'consolidate']);
    expect(handlersDefault).toBe(module.handlers);
    expect(typeof module.formatConsolidatedReport).toBe('function');
  });

  it('covers every executor pipeline.yaml names', () => {
    const yaml = readFileSync(new URL('../pipeline.yaml', import.meta.url), 'utf8');
    const executors = [...yaml.matchAll(/^\s*executor:\s*([\w-]+)/gm)].map((m) => m[1]);
    expect(executors).toEqual(['generate-queries', 'search', 'judge', 'ner-diff', 'report', 'consolidate']);
    expect(yaml).toMatch(/^id: search-quality$/m);
  });
});

describe('the whole chain in-process (generate → search → judge → ner-diff → report → consolidate)', () => {
  it('evaluates LU, PT and GR and finds the brands that score low in several markets', async () => {
    const { consolidated, groups, text } = await runLocally({ markets: ['LU', 'PT', 'GR'] });
    expect(groups.map((g) => [g.key, g.state])).toEqual([
      ['LU', 'success'],
      ['PT', 'success'],
      ['GR', 'success'],
    ]);
    expect(consolidated.markets.map((m) => m.market)).toEqual(['LU', 'PT', 'GR']);
    for (const market of consolidated.markets) {
      expect(market.queries).toBe(12);
      expect(market.meanNdcg).toBeGreaterThan(0.5);
      expect(market.meanNdcg).toBeLessThanOrEqual(1);
    }
    expect(consolidated.partial).toBe(false);
    expect(consolidated.failedMarkets).toEqual([]);
    expect(consolidated.lowBrands.length).toBeGreaterThanOrEqual(1);
    for (const low of consolidated.lowBrands) expect(low.markets.length).toBeGreaterThanOrEqual(2);
    // the catalog describes Volta poorly in PT and GR, Fjord in LU and GR (and Kastro in GR only)
    expect(consolidated.lowBrands.map((b) => [b.brand, b.markets])).toEqual([
      ['Fjord', ['LU', 'GR']],
      ['Volta', ['PT', 'GR']],
    ]);
    expect(text).toContain('Fjord  LU, GR');
  });

  it('gives a partial report when a market fails, listing it', async () => {
    const { consolidated, groups, text } = await runLocally({ markets: ['LU', 'PT', 'GR'], failSearchIn: ['GR'] });
    const gr = groups.find((g) => g.key === 'GR');
    expect(gr?.state).toBe('failed');
    expect(gr?.outputs?.report).toBeNull();
    expect(gr?.outputs?.['ner-diff']).toMatchObject({ market: 'GR', queries: 0, mismatchRate: null });
    expect(consolidated.partial).toBe(true);
    expect(consolidated.failedMarkets).toEqual(['GR']);
    expect(consolidated.markets.find((m) => m.market === 'GR')).toMatchObject({ state: 'failed', meanNdcg: null });
    expect(text).toContain('Failed markets: GR');
  });

  it('is deterministic: two runs are deep-equal', async () => {
    const first = await runLocally({ markets: ['LU', 'PT', 'GR'] });
    const second = await runLocally({ markets: ['LU', 'PT', 'GR'] });
    expect(second).toEqual(first);
  });
});
