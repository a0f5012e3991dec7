import { resolveSchedule } from './cron-schedule.js';
import { parseDuration } from './duration.js';
import { DEFAULT_MAX_TASK_INSTANCES } from './task-instance-limits.js';
import type {
  ConsolidateSpec,
  Json,
  ListSource,
  PipelineSpec,
  StageSpec,
  TaskSettings,
} from './pipeline-spec.js';
import type { RawPipelineSpec, RawStage } from './pipeline-spec.schema.js';
import { resolveUpstreamTriggers } from './upstream-trigger.js';

/** Built-in task settings, used where neither the stage nor `defaults:` sets a value. */
export const BUILT_IN_TASK_SETTINGS: Readonly<TaskSettings> = Object.freeze({
  retries: 0,
  retryDelayMs: 1_000,
  retryBackoff: 'fixed',
  maxRetryDelayMs: 3_600_000,
  retryJitter: 0,
  timeoutMs: null,
  queuedTimeoutMs: 300_000,
  priority: 1,
});

/** Default `limits.maxMapLength`. */
export const DEFAULT_MAX_MAP_LENGTH = 10_000;

interface RawSettings {
  retries?: number | undefined;
  retryDelay?: string | number | undefined;
  retryBackoff?: 'fixed' | 'exponential' | undefined;
  maxRetryDelay?: string | number | undefined;
  retryJitter?: number | undefined;
  timeout?: string | number | null | undefined;
  queuedTimeout?: string | number | null | undefined;
  priority?: number | undefined;
}

const ms = (value: string | number): number => {
  const parsed = parseDuration(value);
  if (!parsed.ok) throw new Error(`unvalidated duration reached resolution: ${parsed.message}`);
  return parsed.ms;
};

/** Settings from `raw`, else from `base` (`defaults:` merged with the built-ins). */
function resolveSettings(raw: RawSettings, base: TaskSettings): TaskSettings {
  return {
    retries: raw.retries ?? base.retries,
    retryDelayMs: raw.retryDelay === undefined ? base.retryDelayMs : ms(raw.retryDelay),
    retryBackoff: raw.retryBackoff ?? base.retryBackoff,
    maxRetryDelayMs: raw.maxRetryDelay === undefined ? base.maxRetryDelayMs : ms(raw.maxRetryDelay),
    retryJitter: raw.retryJitter ?? base.retryJitter,
    timeoutMs: raw.timeout === undefined ? base.timeoutMs : raw.timeout === null ? null : ms(raw.timeout),
    queuedTimeoutMs:
      raw.queuedTimeout === undefined
        ? base.queuedTimeoutMs
        : raw.queuedTimeout === null
          ? null
          : ms(raw.queuedTimeout),
    priority: raw.priority ?? base.priority,
  };
}

const listSource = (value: string | Json[]): ListSource =>
  typeof value === 'string' ? { kind: 'cel', source: value } : { kind: 'literal', items: value };

function resolveStages(stages: readonly RawStage[], defaults: TaskSettings): StageSpec[] {
  let previous: string | null = null;
  return stages.map((stage): StageSpec => {
    const dependsOn = stage.dependsOn ?? (previous === null ? [] : [previous]);
    if ('group' in stage) {
      previous = stage.group;
      return {
        kind: 'group',
        id: stage.group,
        over: listSource(stage.over as string | Json[]),
        key: stage.key ?? null,
        label: stage.label ?? null,
        dependsOn: [...dependsOn],
        triggerRule: stage.triggerRule ?? 'all_success',
        stages: resolveStages(stage.stages, defaults),
      };
    }
    previous = stage.id;
    return {
      kind: 'task',
      id: stage.id,
      executor: stage.executor,
      dependsOn: [...dependsOn],
      triggerRule: stage.triggerRule ?? 'all_success',
      map: stage.map === undefined ? null : listSource(stage.map as string | Json[]),
      label: stage.label ?? null,
      when: stage.when ?? null,
      with: (stage.with ?? {}) as Record<string, Json>,
      maxActive: stage.maxActive ?? null,
      pool: stage.pool ?? null,
      ...resolveSettings(stage, defaults),
    };
  });
}

/**
 * Applies every default to a document that passed validation: `dependsOn` = the previous entry
 * at the same level (none for the first), `triggerRule` = `all_success` (also for `consolidate`),
 * task settings from the stage, else `defaults:`, else {@link BUILT_IN_TASK_SETTINGS}, durations
 * in ms, `limits.maxMapLength` = 10 000, unset optionals = null.
 */
export function resolvePipelineSpec(raw: RawPipelineSpec): PipelineSpec {
  const defaults = resolveSettings(raw.defaults ?? {}, BUILT_IN_TASK_SETTINGS);
  const consolidate: ConsolidateSpec | null =
    raw.consolidate === undefined
      ? null
      : {
          id: 'consolidate',
          executor: raw.consolidate.executor,
          triggerRule: raw.consolidate.triggerRule ?? 'all_success',
          with: (raw.consolidate.with ?? {}) as Record<string, Json>,
          pool: raw.consolidate.pool ?? null,
          tolerate:
            raw.consolidate.tolerate === undefined
              ? null
              : {
                  failedGroups: raw.consolidate.tolerate.failedGroups ?? null,
                  failedPercent: raw.consolidate.tolerate.failedPercent ?? null,
                },
          ...resolveSettings(raw.consolidate, defaults),
        };
  const pools = Object.fromEntries(
    Object.entries(raw.pools ?? {}).map(([name, pool]) => [
      name,
      { slots: pool.slots, ratePerSecond: pool.ratePerSecond ?? null },
    ]),
  );
  return {
    id: raw.id,
    description: raw.description ?? null,
    params: (raw.params ?? null) as Record<string, Json> | null,
    limits: {
      maxActiveRuns: raw.limits?.maxActiveRuns ?? null,
      maxActiveTasks: raw.limits?.maxActiveTasks ?? null,
      maxMapLength: raw.limits?.maxMapLength ?? DEFAULT_MAX_MAP_LENGTH,
      maxTaskInstances: raw.limits?.maxTaskInstances ?? DEFAULT_MAX_TASK_INSTANCES,
    },
    defaults,
    stages: resolveStages(raw.stages as RawStage[], defaults),
    consolidate,
    pools,
    ...(raw.on && raw.on.length > 0 ? { on: resolveUpstreamTriggers(raw.on) } : {}),
    ...(raw.schedule ? { schedule: resolveSchedule(raw.schedule) } : {}),
  };
}
