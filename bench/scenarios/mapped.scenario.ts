import { fanInMs, scaled, taskInstancesPerSecond, wallSeconds } from '../lib/measures.js';
import { throughputTarget, type Metric, type Scenario } from './scenario.js';

const metric: Metric = { name: 'TIs/s', unit: 'task instances/s', better: 'higher', digits: 0 };

/** 10 groups × (list of 1 000 → 1 000 mapped no-ops → reduce) + consolidation (10 021 task instances). */
export const mapped: Scenario<{ groups: number; items: number }> = {
  name: 'mapped',
  title: '10 groups × map over 1 000 (list → 1 000 no-ops → reduce) + consolidation',
  params: (scale) => ({ groups: 10, items: scaled(1000, scale) }),
  smoke: { groups: 2, items: 5 },
  setup: () => ({ hosts: 2, concurrencyPerHost: 64 }),
  workload: ({ groups, items }) => ({ runs: 1, groups, stages: [{ kind: 'map', items }] }),
  warmup: ({ items }) => ({ runs: 1, groups: 2, stages: [{ kind: 'map', items }] }),
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
  target: () => throughputTarget(10_000, 3, 'TIs/s'),
};
