import { scaled, taskInstancesPerSecond, wallSeconds } from '../lib/measures.js';
import { parityWithBullmq, type Metric, type Scenario } from './scenario.js';

const metric: Metric = { name: 'TIs/s', unit: 'task instances/s', better: 'higher', digits: 0 };

/** BENCH_HUGE_TIMEOUT_S: how long Tributary may take before "timed out" (default 600 s). */
const timeoutMs = () => Number(process.env.BENCH_HUGE_TIMEOUT_S ?? 600) * 1000;

/**
 * 10 groups × map over 10 000 (100 021 task instances) in one run, one round: throughput and the peak
 * RSS (VmHWM) of every service process — for BullMQ, of the bench process running its workers.
 */
export const huge: Scenario<{ groups: number; items: number }> = {
  name: 'huge',
  title: '10 groups × map over 10 000 + consolidation (100 021 TIs, one round)',
  once: true,
  params: (scale) => ({ groups: 10, items: scaled(10_000, scale) }),
  smoke: { groups: 2, items: 50 },
  setup: () => ({ hosts: 2, concurrencyPerHost: 64 }),
  workload: ({ groups, items }) => ({ runs: 1, groups, stages: [{ kind: 'map', items }] }),
  warmup: () => ({ runs: 1, groups: 2, stages: [{ kind: 'map', items: 50 }] }),
  repetitions: () => 1,
  timeoutMs,
  measureMemory: true,
  metric,
  details: [
    { key: 'wall_s', label: 'wall s', digits: 1 },
    { key: 'max_rss_mib', label: 'largest peak RSS MiB', digits: 0 },
  ],
  measure: (_, execution) => {
    const rss = Object.fromEntries(
      (execution.peakRss ?? []).map((p) => [`rss_mib:${p.process}`, p.bytes / 2 ** 20]),
    );
    return {
      value: taskInstancesPerSecond(execution),
      details: {
        wall_s: wallSeconds(execution),
        max_rss_mib: Math.max(...Object.values(rss)),
        ...rss,
      },
    };
  },
  target: () => parityWithBullmq(metric),
};
