import { scaled, wallSeconds } from '../lib/measures.js';
import type { Metric, Scenario } from './scenario.js';

interface SleepParams {
  groups: number;
  ms: number;
}

/**
 * `groups` groups each sleeping `ms` + consolidation, with enough executor concurrency for every sleep
 * at once (two hosts × groups/2 + 10): how close the makespan gets to one sleep.
 */
export function sleepScenario(options: {
  name: string;
  title: string;
  groups: number;
  ms: number;
  once?: boolean;
  metric: 'ratio' | 'seconds';
  /** Issue #7: makespan at most this many times one sleep (sleep-1000 1.10×; sleep-10000 11.5 s of 10 s). */
  maxOverhead: number;
  smoke: SleepParams;
}): Scenario<SleepParams> {
  const MAX_OVERHEAD = options.maxOverhead;
  const metric: Metric =
    options.metric === 'ratio'
      ? { name: '× ideal', unit: 'makespan / one sleep', better: 'lower', digits: 2 }
      : { name: 'makespan s', unit: 'seconds', better: 'lower', digits: 2 };
  return {
    name: options.name,
    title: options.title,
    once: options.once,
    params: (scale) => ({
      groups: scaled(options.groups, scale),
      ms: scale < 1 ? Math.max(100, Math.round(options.ms * scale)) : options.ms,
    }),
    smoke: options.smoke,
    setup: ({ groups }) => ({ hosts: 2, concurrencyPerHost: Math.max(64, Math.ceil(groups / 2) + 10) }),
    workload: ({ groups, ms }) => ({ runs: 1, groups, stages: [{ kind: 'sleep', ms }] }),
    warmup: ({ groups }) => ({ runs: 1, groups: Math.min(groups, 20), stages: [{ kind: 'sleep', ms: 10 }] }),
    repetitions: () => 1,
    timeoutMs: ({ ms }) => 120_000 + 4 * ms,
    metric,
    details: [
      options.metric === 'ratio'
        ? { key: 'makespan_s', label: 'makespan s', digits: 2 }
        : { key: 'ideal_ratio', label: '× ideal', digits: 2 },
      { key: 'fan_in_ms', label: 'fan-in ms', digits: 1 },
    ],
    measure: ({ ms }, execution) => {
      const makespan = wallSeconds(execution);
      const ratio = makespan / (ms / 1000);
      return {
        value: options.metric === 'ratio' ? ratio : makespan,
        details: { makespan_s: makespan, ideal_ratio: ratio, fan_in_ms: execution.fanInLatenciesMs[0]! },
      };
    },
    target: ({ ms }) => {
      const limit = (ms / 1000) * MAX_OVERHEAD;
      return options.metric === 'ratio'
        ? {
            text: `≤ ${MAX_OVERHEAD}× ideal`,
            source: 'issue #7',
            met: ({ tributary }) => (tributary === undefined ? undefined : tributary <= MAX_OVERHEAD),
          }
        : {
            text: `≤ ${limit.toFixed(1)} s`,
            source: 'issue #7 (10 000 × 10 s sleeps within 11.5 s)',
            met: ({ tributary }) => (tributary === undefined ? undefined : tributary <= limit),
          };
    },
  };
}

export const sleep1000 = sleepScenario({
  name: 'sleep-1000',
  title: '1 000 groups × 5 s sleep + consolidation',
  groups: 1000,
  ms: 5000,
  metric: 'ratio',
  maxOverhead: 1.1,
  smoke: { groups: 5, ms: 100 },
});

export const sleep10000 = sleepScenario({
  name: 'sleep-10000',
  title: '10 000 groups × 10 s sleep + consolidation (one round)',
  groups: 10_000,
  ms: 10_000,
  once: true,
  metric: 'seconds',
  maxOverhead: 1.15,
  smoke: { groups: 5, ms: 100 },
});
