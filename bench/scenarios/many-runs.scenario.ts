import { runLatenciesSeconds, scaled, taskInstancesPerSecond, wallSeconds } from '../lib/measures.js';
import { percentile } from '../lib/stats.js';
import { noops } from '../lib/workload.js';
import { parityWithBullmq, type Metric, type Scenario } from './scenario.js';

const metric: Metric = { name: 'runs/s', unit: 'runs completed per second', better: 'higher', digits: 1 };

/**
 * 500 runs triggered at once (Tributary: concurrent HTTP triggers; BullMQ: concurrent FlowProducer.add),
 * each 3 groups × 3 chained no-ops + consolidation: runs/s and each run's trigger → completion latency.
 */
export const manyRuns: Scenario<{ runs: number }> = {
  name: 'many-runs',
  title: '500 runs at once, each 3 groups × 3 chained no-ops + consolidation',
  params: (scale) => ({ runs: scaled(500, scale) }),
  smoke: { runs: 5 },
  setup: () => ({ hosts: 2, concurrencyPerHost: 64 }),
  workload: ({ runs }) => ({ runs, groups: 3, stages: noops(3) }),
  warmup: ({ runs }) => ({ runs: Math.min(runs, 10), groups: 3, stages: noops(3) }),
  repetitions: () => 1,
  timeoutMs: () => 300_000,
  metric,
  details: [
    { key: 'wall_s', label: 'wall s', digits: 2 },
    { key: 'latency_p50_s', label: 'latency p50 s', digits: 2 },
    { key: 'latency_p99_s', label: 'latency p99 s', digits: 2 },
    { key: 'tis_per_s', label: 'TIs/s', digits: 0 },
  ],
  measure: (_, execution) => {
    const latencies = runLatenciesSeconds(execution);
    return {
      value: execution.runs.length / wallSeconds(execution),
      details: {
        wall_s: wallSeconds(execution),
        latency_p50_s: percentile(latencies, 50),
        latency_p99_s: percentile(latencies, 99),
        tis_per_s: taskInstancesPerSecond(execution),
      },
      distributions: { latency_s: latencies },
    };
  },
  target: () => ({ ...parityWithBullmq(metric), text: 'ahead of BullMQ', source: 'issue #7' }),
};
