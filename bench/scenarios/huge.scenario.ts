import { scaled, taskInstancesPerSecond, wallSeconds } from '../lib/measures.js';
import { allOf, type Metric, type Scenario } from './scenario.js';

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
  target: () => ({
    text: 'every service ≤ 1 GiB RSS; TIs/s within 20 % of mapped (10 021 TIs)',
    source: 'issue #7 (cost grows linearly with the run, not worse)',
    met: ({ tributary, tributaryDetails, tributaryByScenario }) => {
      const rss = tributaryDetails?.['max_rss_mib'];
      const mapped = tributaryByScenario?.['mapped'];
      return allOf(
        rss === undefined ? undefined : rss <= 1024,
        tributary === undefined || mapped === undefined ? undefined : tributary >= 0.8 * mapped,
      );
    },
  }),
};
