import { z } from 'zod';
import { scheduleSchema } from './cron-schedule.js';
import { TRIGGER_RULES } from '../rules/trigger-rule.js';
import { DURATION_PATTERN, parseDuration } from './duration.js';
import { DEFAULT_MAX_TASK_INSTANCES, MAX_TASK_INSTANCES_CEILING } from './task-instance-limits.js';
import type { Json } from './pipeline-spec.js';
import { upstreamTriggerSchema, UPSTREAM_TRIGGER_KEYS } from './upstream-trigger.schema.js';

/**
 * The raw pipeline document (YAML/JSON) as users write it: the ONE source of truth for its shape.
 * `parsePipelineSpec` validates with it and `pipelineJsonSchema()` publishes it as JSON Schema
 * (`libs/domain/pipeline.schema.json`). Defaults are applied after validation, not here, so the
 * schema describes exactly what may be written. Objects are strict: unknown keys are errors.
 */

/** The pipeline id and pool names: lower-case slugs (`ner-diff`, `search_api`). */
export const SLUG_PATTERN = '^[a-z][a-z0-9_-]*$';
/** Stage ids and group names: letters (either case, as Airflow's task ids: `A`, `extract_EU`), digits, `_`, `-`. */
export const STAGE_ID_PATTERN = '^[A-Za-z][A-Za-z0-9_-]*$';
/** Executor names become NATS subject tokens (`tributary.task.<executor>`): no dots, wildcards or spaces. */
export const EXECUTOR_PATTERN = '^[A-Za-z][A-Za-z0-9_-]*$';
/** The consolidation task's id; no stage or group may use it. */
export const CONSOLIDATE_ID = 'consolidate';

const show = (value: unknown): string =>
  typeof value === 'string'
    ? `"${value}"`
    : typeof value === 'number'
      ? String(value)
      : (JSON.stringify(value) ?? String(value));

const slug = (what: string) =>
  z.string().regex(new RegExp(SLUG_PATTERN), {
    error: (issue) =>
      `invalid ${what} ${show(issue.input)}: use lower-case letters, digits, "_" and "-", starting with a letter`,
  });

const stageId = (what: string) =>
  z
    .string()
    .regex(new RegExp(STAGE_ID_PATTERN), {
      error: (issue) =>
        `invalid ${what} ${show(issue.input)}: use letters, digits, "_" and "-", starting with a letter`,
    })
    .refine((value) => value !== CONSOLIDATE_ID, {
      error: `"${CONSOLIDATE_ID}" is reserved for the consolidation task`,
    })
    .meta({ not: { const: CONSOLIDATE_ID } });

const positiveInt = (what: string) =>
  z
    .number({ error: (issue) => `${what} must be a positive integer, got ${show(issue.input)}` })
    .int({ error: (issue) => `${what} must be a positive integer, got ${show(issue.input)}` })
    .min(1, { error: (issue) => `${what} must be a positive integer, got ${show(issue.input)}` });

const durationError = (issue: { input: unknown }): string => {
  const parsed = parseDuration(issue.input);
  return parsed.ok ? 'invalid duration' : parsed.message;
};

/** A duration: `500ms`, `2s`, `5m`, `1h`, `1h30m`, or a whole number of milliseconds. */
export const durationSchema = z
  .union(
    [
      z.string().regex(new RegExp(DURATION_PATTERN), { error: durationError }),
      z.number().int({ error: durationError }).min(0, { error: durationError }),
    ],
    { error: durationError },
  )
  .meta({
    id: 'Duration',
    description: 'A duration: "500ms", "2s", "5m", "1h", "1h30m", or a whole number of milliseconds.',
  });

const isZeroDuration = (value: unknown): boolean => {
  const parsed = parseDuration(value);
  return parsed.ok && parsed.ms === 0;
};

const timeoutSchema = durationSchema
  .nullable()
  .refine((value) => value === null || !isZeroDuration(value), {
    error: 'timeout must be greater than 0 (omit it, or use null, for no timeout)',
  })
  .meta({ description: 'Attempt timeout; null = none (built-in default).' });

const queuedTimeoutSchema = durationSchema
  .nullable()
  .refine((value) => value === null || !isZeroDuration(value), {
    error: 'queuedTimeout must be greater than 0 (use null to never re-dispatch)',
  })
  .meta({
    description:
      "Re-dispatch an instance queued this long without starting (its dispatch was lost), as the same attempt; null = never (Airflow's task_queued_timeout; built-in default 5m).",
  });

/** Any JSON value (`with:` values, literal lists, params schemas). */
export const jsonValueSchema: z.ZodType<Json> = z
  .lazy(() =>
    z.union(
      [
        z.string(),
        z.number(),
        z.boolean(),
        z.null(),
        z.array(jsonValueSchema),
        z.record(z.string(), jsonValueSchema),
      ],
      {
        error: (issue) =>
          `expected a JSON value (string, finite number, boolean, null, array or object), got ${show(issue.input)}`,
      },
    ),
  )
  .meta({ id: 'JsonValue' });

/** A CEL expression (DESIGN §4): sees `params`, `group`, `upstream`, `item`, `run`. */
export const celSchema = z
  .string({ error: (issue) => `expected a CEL expression (a string), got ${show(issue.input)}` })
  .min(1, { error: 'a CEL expression cannot be empty' })
  .meta({
    id: 'CelExpression',
    description: 'A CEL expression over params, group, upstream, upstreamIndices, item and run.',
  });

/** Where a list comes from: a CEL expression, or a literal list. */
export const listSourceSchema = z
  .union([celSchema, z.array(jsonValueSchema)], {
    error: (issue) => `expected a CEL expression (a string) or a literal list, got ${show(issue.input)}`,
  })
  .meta({ id: 'ListSource', description: 'A CEL expression giving a list, or a literal list.' });

/** Airflow's trigger rules. */
export const triggerRuleSchema = z
  .enum(TRIGGER_RULES, {
    error: (issue) =>
      `invalid trigger rule ${show(issue.input)}: expected one of ${TRIGGER_RULES.join(', ')}`,
  })
  .meta({
    id: 'TriggerRule',
    description:
      'When the task may run, given its direct upstreams (Airflow semantics). Default all_success.',
  });

const jsonObject = z.record(z.string(), jsonValueSchema);

/** Retry, timeout and priority settings shared by tasks, `consolidate` and `defaults`. */
export const taskSettingsShape = {
  retries: z
    .number()
    .int({ error: (issue) => `retries must be a non-negative integer, got ${show(issue.input)}` })
    .min(0, { error: (issue) => `retries must be a non-negative integer, got ${show(issue.input)}` })
    .optional()
    .meta({ description: 'Retries after the first attempt (built-in default 0).' }),
  retryDelay: durationSchema
    .optional()
    .meta({ description: 'Delay before the first retry (built-in default 1s).' }),
  retryBackoff: z
    .enum(['fixed', 'exponential'], {
      error: (issue) => `invalid retryBackoff ${show(issue.input)}: expected fixed or exponential`,
    })
    .optional()
    .meta({
      description:
        'fixed: every retry waits retryDelay; exponential: retryDelay × 2^(n-1) (built-in default fixed).',
    }),
  maxRetryDelay: durationSchema
    .optional()
    .meta({ description: 'Cap on the retry delay (built-in default 1h).' }),
  retryJitter: z
    .number()
    .min(0, { error: (issue) => `retryJitter must be between 0 and 1, got ${show(issue.input)}` })
    .max(1, { error: (issue) => `retryJitter must be between 0 and 1, got ${show(issue.input)}` })
    .optional()
    .meta({ description: 'Spread retries by up to ± this fraction of the delay (built-in default 0).' }),
  timeout: timeoutSchema.optional(),
  queuedTimeout: queuedTimeoutSchema.optional(),
  priority: z
    .number()
    .int({ error: (issue) => `priority must be an integer, got ${show(issue.input)}` })
    .optional()
    .meta({ description: 'Higher runs first (built-in default 1).' }),
};

/** A task stage: runs an executor, optionally mapped over a list. */
export const taskStageSchema = z
  .strictObject({
    id: stageId('stage id'),
    executor: z.string().regex(new RegExp(EXECUTOR_PATTERN), {
      error: (issue) =>
        `invalid executor name ${show(issue.input)}: use letters, digits, "_" and "-", starting with a letter`,
    }),
    dependsOn: z
      .array(z.string())
      .optional()
      .meta({ description: 'Direct upstream stages at the same level; default: the previous entry.' }),
    triggerRule: triggerRuleSchema.optional(),
    map: listSourceSchema.optional().meta({ description: 'Dynamic mapping: one task instance per element.' }),
    label: celSchema.optional().meta({
      description: 'CEL over item: a human-readable label per map index ("query: " + item.text); needs map.',
    }),
    when: celSchema.optional().meta({ description: 'CEL; false ⇒ the task instance is skipped.' }),
    with: jsonObject
      .optional()
      .meta({ description: 'The handler input; strings "${{ <CEL> }}" are evaluated.' }),
    maxActive: positiveInt('maxActive')
      .optional()
      .meta({ description: 'Per-stage concurrency within a run.' }),
    pool: z.string().optional().meta({ description: 'A pool declared under `pools`.' }),
    ...taskSettingsShape,
  })
  .meta({ id: 'TaskStage', description: 'A task: runs the named executor.' });

/** A stage: a task or a group block (recursive through the block's `stages`). */
export const stageSchema: z.ZodType<RawStage> = z
  .lazy(() => z.union([taskStageSchema, groupBlockSchema]))
  .meta({
    id: 'Stage',
    description: 'A task (`id` + `executor`) or a group block (`group` + `over` + `stages`).',
  });

/** A group block: one group per element of `over`, each running the block's own stages. */
export const groupBlockSchema = z
  .strictObject({
    group: stageId('group name'),
    over: listSourceSchema,
    key: celSchema
      .optional()
      .meta({ description: 'CEL over `item` giving the group key; default: the element itself.' }),
    label: celSchema.optional().meta({ description: 'CEL over item: a human-readable label per group.' }),
    dependsOn: z
      .array(z.string())
      .optional()
      .meta({ description: 'Direct upstream stages at the same level; default: the previous entry.' }),
    triggerRule: triggerRuleSchema.optional(),
    get stages(): z.ZodArray<z.ZodType<RawStage>> {
      return z.array(stageSchema).min(1, { error: 'a group block needs at least one stage' });
    },
  })
  .meta({ id: 'GroupBlock', description: 'A group block: one group per element of `over`.' });

/** `consolidate.tolerate`: the failure budget (docs/architecture.md "Failure budget"). */
export const toleranceSchema = z
  .strictObject({
    failedGroups: z
      .number()
      .int({ error: (issue) => `failedGroups must be a non-negative integer, got ${show(issue.input)}` })
      .min(0, { error: (issue) => `failedGroups must be a non-negative integer, got ${show(issue.input)}` })
      .optional()
      .meta({ description: 'At most this many failed groups.' }),
    failedPercent: z
      .number({ error: (issue) => `failedPercent must be a number from 0 to 100, got ${show(issue.input)}` })
      .min(0, { error: (issue) => `failedPercent must be a number from 0 to 100, got ${show(issue.input)}` })
      .max(100, {
        error: (issue) => `failedPercent must be a number from 0 to 100, got ${show(issue.input)}`,
      })
      .optional()
      .meta({ description: "At most this percentage of the run's groups failed." }),
  })
  .refine((value) => value.failedGroups !== undefined || value.failedPercent !== undefined, {
    error: 'tolerate needs failedGroups or failedPercent (or both)',
  })
  .meta({
    id: 'Tolerate',
    description:
      'Failure budget: within it the consolidation runs with the failed groups marked in its input (the rule decides over the other groups); beyond it the consolidation is upstream_failed. A failed group has any failed/upstream_failed instance.',
  });

/** The fan-in task that runs once every group of the top-level group blocks is terminal. */
export const consolidateSchema = z
  .strictObject({
    executor: taskStageSchema.shape.executor,
    triggerRule: triggerRuleSchema.optional(),
    with: jsonObject.optional(),
    pool: z.string().optional(),
    tolerate: toleranceSchema.optional(),
    ...taskSettingsShape,
  })
  .meta({ id: 'Consolidate' });

/** A pipeline document. */
export const pipelineSpecSchema = z
  .strictObject({
    id: slug('pipeline id'),
    description: z.string().optional(),
    params: jsonObject
      .optional()
      .meta({ description: 'JSON Schema (2020-12, or draft-07 with $schema) for the trigger payload.' }),
    limits: z
      .strictObject({
        maxActiveRuns: positiveInt('maxActiveRuns')
          .optional()
          .meta({ description: 'Active runs per pipeline.' }),
        maxActiveTasks: positiveInt('maxActiveTasks')
          .optional()
          .meta({ description: 'Active task instances per run.' }),
        maxMapLength: positiveInt('maxMapLength')
          .optional()
          .meta({ description: 'Longest list a map or group block may expand to (default 10000).' }),
        maxTaskInstances: positiveInt('maxTaskInstances')
          .max(MAX_TASK_INSTANCES_CEILING, {
            error: (issue) =>
              `maxTaskInstances must be at most ${MAX_TASK_INSTANCES_CEILING} (the planner holds a run in memory), got ${show(issue.input)}`,
          })
          .optional()
          .meta({
            description: `Task instances a run may have in all, over every group and map (default ${DEFAULT_MAX_TASK_INSTANCES}, at most ${MAX_TASK_INSTANCES_CEILING}).`,
          }),
      })
      .optional(),
    defaults: z
      .strictObject(taskSettingsShape)
      .optional()
      .meta({ description: 'Settings for every task that does not set them.' }),
    stages: z.array(stageSchema).min(1, { error: 'a pipeline needs at least one stage' }),
    consolidate: consolidateSchema.optional(),
    on: z
      .array(upstreamTriggerSchema)
      .optional()
      .meta({
        description: 'Runs started by upstream messages on NATS subjects (one run per event and key).',
      }),
    pools: z
      .record(
        slug('pool name'),
        z.strictObject({
          slots: positiveInt('slots'),
          ratePerSecond: z
            .number()
            .positive({
              error: (issue) => `ratePerSecond must be a positive number, got ${show(issue.input)}`,
            })
            .optional(),
        }),
      )
      .optional(),
    schedule: scheduleSchema.optional(),
  })
  .meta({ title: 'Tributary pipeline', description: 'A Tributary pipeline spec (DESIGN §4).' });

/** A task stage as written. */
export type RawTaskStage = z.input<typeof taskStageSchema>;
/** A group block as written. */
export interface RawGroupBlock extends Omit<z.input<typeof groupBlockSchema>, 'stages'> {
  stages: RawStage[];
}
/** A stage as written. */
export type RawStage = RawTaskStage | RawGroupBlock;
/** A pipeline document as written (validated, defaults not applied). */
export type RawPipelineSpec = z.output<typeof pipelineSpecSchema>;

/** Keys each object kind accepts, for "unknown key … (did you mean …?)" messages. */
export const KNOWN_KEYS = {
  pipeline: Object.keys(pipelineSpecSchema.shape),
  task: Object.keys(taskStageSchema.shape),
  group: Object.keys(groupBlockSchema.shape),
  consolidate: Object.keys(consolidateSchema.shape),
  defaults: Object.keys(taskSettingsShape),
  limits: ['maxActiveRuns', 'maxActiveTasks', 'maxMapLength', 'maxTaskInstances'],
  pool: ['slots', 'ratePerSecond'],
  upstreamTrigger: UPSTREAM_TRIGGER_KEYS,
} as const;

/** The published JSON Schema (draft 2020-12) of a pipeline document, generated from the zod schema. */
export function pipelineJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(pipelineSpecSchema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
}
