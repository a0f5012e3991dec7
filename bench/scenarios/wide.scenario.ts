import { fanInMs, scaled, taskInstancesPerSecond, wallSeconds } from '../lib/measures.js';
import { noops } from '../lib/workload.js';
import { throughputTarget, type Metric, type Scenario } from './scenario.js';

const metric: Metric = { name: 'TIs/s', unit: 'task instances/s', better: 'higher', digits: 0 };

/** 1 000 groups × 3 chained no-op stages + consolidation (3 001 task instances), one run. */
export const wide: Scenario<{ groups: number }> = {
  name: 'wide',
  title: '1 000 groups × 3 chained no-ops + consolidation',
  params: (scale) => ({ groups: scaled(1000, scale) }),
  smoke: { groups: 5 },
  setup: () => ({ hosts: 2, concurrencyPerHost: 64 }),
  workload: ({ groups }) => ({ runs: 1, groups, stages: noops(3) }),
  warmup: ({ groups }) => ({ runs: 1, groups: Math.min(groups, 20), stages: noops(3) }),
  repetitions: () => 1,
  timeoutMs: () => 300_000,
  metric,
  details: [
    { key: 'wall_s', label: 'wall s', digits: 2 },
    { key: 'fan_in_ms', label: 'fan-in ms', digits: 1 },
  ],
  measure: (_, execution) => ({
    value: taskInstancesPerSecond(execution),
    details: { wall_s: wallSeconds(execution), fan_in_ms: fanInMs(execution) },
  }),
  target: () => throughputTarget(5000, 3, 'TIs/s'),
};
