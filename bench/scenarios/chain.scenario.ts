import { scaled, wallSeconds } from '../lib/measures.js';
import { percentile } from '../lib/stats.js';
import { noops } from '../lib/workload.js';
import { allOf, type Metric, type Scenario } from './scenario.js';

const metric: Metric = {
  name: 'ms/hop',
  unit: 'ms per hop (wall / task instances)',
  better: 'lower',
  digits: 1,
};

/**
 * 30 sequential no-op stages + consolidation in one group, run `runs` times per round: wall / 31 is the
 * cost of one hop. Each execution also yields every hop's latency from the engine's own timestamps
 * (upstream finished → downstream handler started) and the fan-in (last group done → consolidation started).
 */
export const chain: Scenario<{ stages: number; runs: number }> = {
  name: 'chain',
  title: '30 sequential no-op stages + consolidation (5 runs per round)',
  params: (scale) => ({ stages: 30, runs: scaled(5, scale) }),
  smoke: { stages: 3, runs: 1 },
  setup: () => ({ hosts: 2, concurrencyPerHost: 64 }),
  workload: ({ stages }) => ({ runs: 1, groups: 1, stages: noops(stages) }),
  warmup: ({ stages }) => ({ runs: 1, groups: 1, stages: noops(stages) }),
  repetitions: ({ runs }) => runs,
  timeoutMs: () => 120_000,
  measureHops: true,
  metric,
  details: [
    { key: 'wall_s', label: 'wall s', digits: 3 },
    { key: 'hop_p50_ms', label: 'hop p50 ms', digits: 1 },
    { key: 'hop_p99_ms', label: 'hop p99 ms', digits: 1 },
    { key: 'fan_in_ms', label: 'fan-in ms', digits: 1 },
  ],
  measure: ({ stages }, execution) => {
    const hops = execution.hopLatenciesMs ?? [];
    return {
      value: (wallSeconds(execution) * 1000) / (stages + 1),
      details: {
        wall_s: wallSeconds(execution),
        hop_p50_ms: percentile(hops, 50),
        hop_p99_ms: percentile(hops, 99),
        fan_in_ms: execution.fanInLatenciesMs[0]!,
      },
      distributions: { hop_ms: hops, fan_in_ms: execution.fanInLatenciesMs },
    };
  },
  target: () => ({
    text: 'hop p50 ≤ 5 ms, p99 ≤ 50 ms; fan-in p50 ≤ 10 ms',
    source:
      'issue #7 (upstream success → downstream handler start; last group terminal → consolidation start)',
    met: ({ tributaryPooled }) => {
      const hop = tributaryPooled?.['hop_ms'];
      const fanIn = tributaryPooled?.['fan_in_ms'];
      return allOf(
        hop === undefined ? undefined : hop.p50 <= 5,
        hop === undefined ? undefined : hop.p99 <= 50,
        fanIn === undefined ? undefined : fanIn.p50 <= 10,
      );
    },
  }),
};
