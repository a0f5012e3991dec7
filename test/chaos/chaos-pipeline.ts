/**
 * The chaos pipeline: `groups` shard groups, each a list of `items`, two stages mapped over it — sleeps
 * of varied length and `flaky` tasks, every fourth of which fails its first attempt and retries — then a
 * join, and a consolidation over every group. Only built-in executors (no handler modules).
 *
 * Instances per run: groups × (2 × items + 2) + 1.
 */
export const CHAOS_PIPELINE_ID = 'chaos';

export interface ChaosPipelineOptions {
  /** `defaults.queuedTimeout` (re-dispatch of a queued instance whose dispatch is gone); omitted when null. */
  queuedTimeout: string | null;
}

export function chaosPipelineYaml(options: ChaosPipelineOptions): string {
  const queuedTimeout = options.queuedTimeout ? `, queuedTimeout: ${options.queuedTimeout}` : '';
  return `
id: ${CHAOS_PIPELINE_ID}
params:
  type: object
  required: [shards, n, sleepMs]
  properties:
    shards: { type: array, items: { type: string } }
    n: { type: integer, minimum: 1 }
    sleepMs: { type: integer, minimum: 0 }
defaults: { retries: 3, retryDelay: 500ms, timeout: 2m${queuedTimeout} }
stages:
  - group: shard
    over: params.shards
    stages:
      - { id: items, executor: list, with: { n: '\${{ params.n }}' } }
      - id: work
        executor: sleep
        map: upstream.items
        with: { ms: '\${{ int(params.sleepMs) + (int(item) * 37) % (int(params.sleepMs) + 1) }}' }
      - id: check
        executor: flaky
        map: upstream.items
        dependsOn: [items]
        with: { failures: '\${{ int(item) % 4 == 0 ? 1 : 0 }}' }
      - { id: total, executor: noop, dependsOn: [work, check] }
consolidate: { executor: noop, triggerRule: all_done }
`;
}

export interface ChaosRunParams {
  shards: string[];
  n: number;
  sleepMs: number;
}

export function chaosRunParams(groups: number, items: number, sleepMs: number): ChaosRunParams {
  return {
    shards: Array.from({ length: groups }, (_, i) => `s${String(i + 1).padStart(3, '0')}`),
    n: items,
    sleepMs,
  };
}

export const instancesPerRun = (groups: number, items: number): number => groups * (2 * items + 2) + 1;

/** Expected attempts of a run without chaos: every fourth `check` retries once. */
export const flakyRetriesPerRun = (groups: number, items: number): number => groups * Math.ceil(items / 4);
