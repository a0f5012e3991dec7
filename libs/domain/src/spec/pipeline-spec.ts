import type { TriggerRule } from '../rules/trigger-rule.js';
import type { UpstreamTriggerSpec } from './upstream-trigger.js';
import type { FailureTolerance } from '../rules/failure-budget.js';
import type { ScheduleSpec } from './cron-schedule.js';

/** A JSON value as stored in params, inputs and outputs. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Where a list comes from: a CEL expression (`params.markets`, `upstream.generate.queries`) or a literal list. */
export type ListSource = { kind: 'cel'; source: string } | { kind: 'literal'; items: Json[] };

export type RetryBackoff = 'fixed' | 'exponential';

/** Per-task execution settings; `defaults:` fills them, then built-in defaults. Durations are in ms. */
export interface TaskSettings {
  retries: number;
  retryDelayMs: number;
  retryBackoff: RetryBackoff;
  maxRetryDelayMs: number;
  /** Spread retries by up to ±this fraction of the delay (0 = none), using an injected random source. */
  retryJitter: number;
  /** null = no timeout. */
  timeoutMs: number | null;
  /** Re-dispatch an instance queued this long without starting (its dispatch was lost); null = never. */
  queuedTimeoutMs: number | null;
  /** Higher runs first (Airflow's priority_weight). */
  priority: number;
}

export interface TaskStageSpec extends TaskSettings {
  kind: 'task';
  id: string;
  executor: string;
  /** Direct upstream stage ids at the same level (resolved: the previous entry when omitted). */
  dependsOn: string[];
  triggerRule: TriggerRule;
  /** Dynamic mapping: one task instance per element. */
  map: ListSource | null;
  /** CEL over `item` (and the stage's scope): a human-readable label per map index. */
  label: string | null;
  /** CEL; false ⇒ the instance is skipped. */
  when: string | null;
  /** The handler's `ctx.input`; strings `${{ <CEL> }}` are evaluated. */
  with: Record<string, Json>;
  /** Per-stage concurrency within a run. */
  maxActive: number | null;
  /** Pool name (shared slots / rate across runs). */
  pool: string | null;
}

export interface GroupBlockSpec {
  kind: 'group';
  /** The group name (`market`): groups are keyed `market=<key>`. Also the block's stage id. */
  id: string;
  over: ListSource;
  /** CEL over `item` giving the group key; default: the element itself. */
  key: string | null;
  /** CEL over `item`: a human-readable label per group. */
  label: string | null;
  dependsOn: string[];
  triggerRule: TriggerRule;
  stages: StageSpec[];
}

export type StageSpec = TaskStageSpec | GroupBlockSpec;

export interface ConsolidateSpec extends TaskSettings {
  id: 'consolidate';
  executor: string;
  triggerRule: TriggerRule;
  with: Record<string, Json>;
  pool: string | null;
  /** Failure budget: the consolidation runs with up to this many failed groups (null = the rule alone). */
  tolerate: FailureTolerance | null;
}

export interface PoolSpec {
  slots: number;
  /** Token bucket refill rate; null = unlimited. */
  ratePerSecond: number | null;
}

export interface PipelineLimits {
  /** Active runs per pipeline; null = unlimited. */
  maxActiveRuns: number | null;
  /** Active (queued or running) task instances per run; null = unlimited. */
  maxActiveTasks: number | null;
  /** Longest list a map or group block may expand to (default 10 000). */
  maxMapLength: number;
  /** Task instances a run may have in all, over every group and map (default 100 000). */
  maxTaskInstances: number;
}

/** A parsed, validated pipeline with every default applied. */
export interface PipelineSpec {
  id: string;
  description: string | null;
  /** JSON Schema for the trigger payload; null = any object. */
  params: Record<string, Json> | null;
  limits: PipelineLimits;
  defaults: TaskSettings;
  stages: StageSpec[];
  consolidate: ConsolidateSpec | null;
  pools: Record<string, PoolSpec>;
  /** Runs from upstream events (`on:`); absent when the spec has none. */
  on?: UpstreamTriggerSpec[];
  /** `schedule:` (cron); absent or null = triggered only. */
  schedule?: ScheduleSpec | null;
}

/** One problem found in a spec or a payload: a JSON-pointer path and what is wrong there. */
export interface ValidationIssue {
  path: string;
  message: string;
  /** 1-based line in the source text, when the spec was given as YAML/JSON text. */
  line?: number;
  /** 1-based column in the source text, when the spec was given as YAML/JSON text. */
  column?: number;
}
