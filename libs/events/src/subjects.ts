/**
 * THE one place for NATS subject and JetStream stream names (DESIGN §5).
 *
 * Subjects, for prefix `p` (default `tributary`):
 *
 * | subject                    | stream   | payload        |
 * |----------------------------|----------|----------------|
 * | `p.trigger.<pipelineId>`   | TRIGGERS | TriggerRun     |
 * | `p.task.<executor>`        | TASKS    | DispatchBatch  |
 * | `p.result.<runId>`         | RESULTS  | ResultBatch    |
 * | `p.event.<cat>.<runId>.<type>` | EVENTS | EventEnvelope |
 * | `p.event.fanin.<runId>.ConsolidationDue` | EVENTS | ConsolidationDue (the fan-in's, not a run event) |
 * | `p.heartbeat.<executor>`   | (none, core NATS) | Heartbeat |
 * | `p.presence.query`         | (none, core NATS request; replies HostPresence) | empty |
 * | `p.control.<runId>`        | (none, core NATS request to the planners; replies OperatorCommandReply) | OperatorCommandRequest |
 *
 * Streams are named `<PREFIX>_<KIND>` with the prefix upper-cased and `.`
 * replaced by `_`: prefix `t_ab12` gives `T_AB12_TRIGGERS`, `T_AB12_TASKS`,
 * `T_AB12_RESULTS`, `T_AB12_EVENTS`. Prefixes that differ only by case or by
 * `.` versus `_` therefore share stream names: pick distinct prefixes.
 */
import { assertSubjectPrefix, assertSubjectToken } from './subject-token.js';

/** Event families, the third subject token of EVENTS. `fanin` carries the fan-in's own messages. */
export type EventCategory = 'run' | 'group' | 'task' | 'fanin';

/** The family of a run event type: group lifecycle, task-instance lifecycle, or the run itself. */
export function eventCategoryOf(type: string): EventCategory {
  if (type === 'GroupsExpanded' || type === 'GroupCompleted' || type === 'GroupReopened') return 'group';
  if (type.startsWith('TaskInstance') || type === 'TaskMapExpanded' || type === 'StageExpansionReset') return 'task';
  return 'run';
}

/** The prefix used when none is configured (`TRIBUTARY_SUBJECT_PREFIX`). */
export const DEFAULT_SUBJECT_PREFIX = 'tributary';

/** Subject names and wildcard filters for one prefix. */
export interface Subjects {
  /** The validated prefix. */
  readonly prefix: string;
  /** `p.trigger.<pipelineId>`: where triggers of one pipeline are published. */
  trigger(pipelineId: string): string;
  /** `p.trigger.*`: every trigger. */
  readonly triggerAll: string;
  /**
   * `p.trigger.rejected.<pipelineId>`: core NATS notices (JSON) of upstream events a pipeline's `on:`
   * rejected. One token deeper than `p.trigger.*`, so TRIGGERS never captures them.
   */
  triggerRejected(pipelineId: string): string;
  /** `p.trigger.rejected.*`: every rejection notice. */
  readonly triggerRejectedAll: string;
  /** `p.task.<executor>`: dispatch batches for one executor (one work-queue consumer filter). */
  task(executor: string): string;
  /** `p.task.*`: every dispatch. */
  readonly taskAll: string;
  /** `p.result.<runId>`: result batches of one run. */
  result(runId: string): string;
  /** `p.result.*`: every result. */
  readonly resultAll: string;
  /**
   * `p.event.<category>.<runId>.<type>`: one event of a run. The category (`run`, `group`, `task`,
   * see {@link eventCategoryOf}) lets a consumer take one family in order with ONE filter (NATS 2.9).
   */
  event(runId: string, type: string): string;
  /** `p.event.>`: every event. */
  readonly eventAll: string;
  /**
   * `p.event.<task|group>.<runId>.EventBatch`: the task-instance (default) or group events of one commit
   * of a run, as one message.
   */
  eventBatch(runId: string, category?: 'task' | 'group'): string;
  /** `p.event.*.<runId>.*`: every event of one run (for live streams; core subscriptions). */
  eventsOfRun(runId: string): string;
  /** `p.event.<category>.>`: one family across runs, in stream order (the fan-in takes `group`). */
  eventsOfCategory(category: EventCategory): string;
  /**
   * `p.event.fanin.<runId>.ConsolidationDue`: the fan-in's message that a consolidation round is due (not
   * a run event: the planner records ConsolidationTriggered with the round's result).
   */
  consolidationDue(runId: string): string;
  /** `p.heartbeat.<executor>`: core NATS heartbeats (no stream captures them). */
  heartbeat(executor: string): string;
  /** `p.heartbeat.*`: every heartbeat. */
  readonly heartbeatAll: string;
  /** `p.presence.query`: core NATS request every live host answers with its HostPresence (scatter-gather). */
  readonly presenceQuery: string;
  /** `p.control.<runId>`: core NATS request of an operator command to the planners (queue group `planner`). */
  control(runId: string): string;
  /** `p.control.*`: every operator command (the planners' subscription). */
  readonly controlAll: string;
  /** `p.event.task.*.TaskInstanceCancelled`: cancellations of every run (executor hosts' core subscription). */
  readonly taskCancelledAll: string;
}

/**
 * Subject names for `prefix`. Every variable token is validated: a value with
 * whitespace, control characters, `.`, `*` or `>` throws an
 * `InvalidSubjectTokenError` naming the value and the offending character.
 */
export function subjects(prefix: string = DEFAULT_SUBJECT_PREFIX): Subjects {
  const p = assertSubjectPrefix(prefix);
  return {
    prefix: p,
    trigger: (pipelineId) => `${p}.trigger.${assertSubjectToken('pipeline id', pipelineId)}`,
    triggerAll: `${p}.trigger.*`,
    triggerRejected: (pipelineId) => `${p}.trigger.rejected.${assertSubjectToken('pipeline id', pipelineId)}`,
    triggerRejectedAll: `${p}.trigger.rejected.*`,
    task: (executor) => `${p}.task.${assertSubjectToken('executor name', executor)}`,
    taskAll: `${p}.task.*`,
    result: (runId) => `${p}.result.${assertSubjectToken('run id', runId)}`,
    resultAll: `${p}.result.*`,
    event: (runId, type) =>
      `${p}.event.${eventCategoryOf(type)}.${assertSubjectToken('run id', runId)}.${assertSubjectToken('event type', type)}`,
    eventAll: `${p}.event.>`,
    eventBatch: (runId, category = 'task') =>
      `${p}.event.${category}.${assertSubjectToken('run id', runId)}.EventBatch`,
    eventsOfRun: (runId) => `${p}.event.*.${assertSubjectToken('run id', runId)}.*`,
    eventsOfCategory: (category) => `${p}.event.${category}.>`,
    consolidationDue: (runId) => `${p}.event.fanin.${assertSubjectToken('run id', runId)}.ConsolidationDue`,
    heartbeat: (executor) => `${p}.heartbeat.${assertSubjectToken('executor name', executor)}`,
    heartbeatAll: `${p}.heartbeat.*`,
    presenceQuery: `${p}.presence.query`,
    control: (runId) => `${p}.control.${assertSubjectToken('run id', runId)}`,
    controlAll: `${p}.control.*`,
    taskCancelledAll: `${p}.event.task.*.TaskInstanceCancelled`,
  };
}

/**
 * `<PREFIX>_UPSTREAM`: the stream Tributary creates over the upstream subjects of pipelines' `on:`
 * entries that name no stream of their own. Its subjects are the union of those subjects, so it is not
 * one of the fixed {@link StreamKind}s.
 */
export function upstreamStreamName(prefix: string = DEFAULT_SUBJECT_PREFIX): string {
  return `${assertSubjectPrefix(prefix).toUpperCase().replaceAll('.', '_')}_UPSTREAM`;
}

/** JetStream retention policy, spelled as in the JetStream API (`RetentionPolicy`). */
export type StreamRetention = 'limits' | 'workqueue';

/** The four streams of Tributary. */
export type StreamKind = 'TRIGGERS' | 'TASKS' | 'RESULTS' | 'EVENTS';

/**
 * What a stream must look like, independent of any NATS client. Durations are
 * milliseconds (JetStream's API wants nanoseconds: multiply by 1e6); 0 means unlimited.
 */
export interface StreamSpec {
  /** Stream name, e.g. `TRIBUTARY_TASKS`. */
  readonly name: string;
  /** Subjects the stream captures (one wildcard filter each). */
  readonly subjects: readonly string[];
  /** `workqueue` for TASKS and RESULTS, `limits` for TRIGGERS and EVENTS. */
  readonly retention: StreamRetention;
  /** `Nats-Msg-Id` dedupe window. */
  readonly duplicateWindowMs: number;
  /** Maximum message age; 0 = keep until consumed (work queues) or forever. */
  readonly maxAgeMs: number;
}

/** Tunables of {@link streams}. */
export interface StreamOptions {
  /** TRIGGERS dedupe window (idempotency keys); at least one hour. Default 1 h. */
  readonly triggerDuplicateWindowMs?: number;
  /** How long TRIGGERS are kept. Default 7 days. */
  readonly triggersMaxAgeMs?: number;
  /** How long EVENTS are kept (Postgres stays the truth). Default 7 days. */
  readonly eventsMaxAgeMs?: number;
  /** Dedupe window of TASKS, RESULTS and EVENTS (outbox re-publication). Default 10 min. */
  readonly duplicateWindowMs?: number;
}

/**
 * The durable consumer of one executor name on TASKS, shared by every host serving it (the planner
 * looks it up to tell when no host serves an executor).
 */
export const executorDurable = (executor: string): string => `executor-${executor}`;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Lower bound of the TRIGGERS dedupe window (DESIGN §5). */
export const MIN_TRIGGER_DUPLICATE_WINDOW_MS = HOUR_MS;

/**
 * Stream definitions for `prefix`, keyed by kind. Throws a `RangeError` naming
 * the option when a duration is invalid (negative, below the TRIGGERS minimum, or a
 * dedupe window longer than the stream's max age).
 */
export function streams(prefix: string = DEFAULT_SUBJECT_PREFIX, options: StreamOptions = {}): Readonly<Record<StreamKind, StreamSpec>> {
  const s = subjects(prefix);
  const namePrefix = s.prefix.toUpperCase().replaceAll('.', '_');
  const triggerWindow = duration('triggerDuplicateWindowMs', options.triggerDuplicateWindowMs ?? HOUR_MS);
  const triggersMaxAge = duration('triggersMaxAgeMs', options.triggersMaxAgeMs ?? 7 * DAY_MS);
  const eventsMaxAge = duration('eventsMaxAgeMs', options.eventsMaxAgeMs ?? 7 * DAY_MS);
  const window = duration('duplicateWindowMs', options.duplicateWindowMs ?? 10 * MINUTE_MS);
  if (triggerWindow < MIN_TRIGGER_DUPLICATE_WINDOW_MS) {
    throw new RangeError(`triggerDuplicateWindowMs must be at least ${MIN_TRIGGER_DUPLICATE_WINDOW_MS} (1 h), got ${triggerWindow}`);
  }
  assertWindowFits('triggerDuplicateWindowMs', triggerWindow, 'triggersMaxAgeMs', triggersMaxAge);
  assertWindowFits('duplicateWindowMs', window, 'eventsMaxAgeMs', eventsMaxAge);
  return {
    TRIGGERS: { name: `${namePrefix}_TRIGGERS`, subjects: [s.triggerAll], retention: 'limits', duplicateWindowMs: triggerWindow, maxAgeMs: triggersMaxAge },
    TASKS: { name: `${namePrefix}_TASKS`, subjects: [s.taskAll], retention: 'workqueue', duplicateWindowMs: window, maxAgeMs: 0 },
    RESULTS: { name: `${namePrefix}_RESULTS`, subjects: [s.resultAll], retention: 'workqueue', duplicateWindowMs: window, maxAgeMs: 0 },
    EVENTS: { name: `${namePrefix}_EVENTS`, subjects: [s.eventAll], retention: 'limits', duplicateWindowMs: window, maxAgeMs: eventsMaxAge },
  };
}

function duration(option: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${option} must be a non-negative integer number of milliseconds, got ${String(value)}`);
  }
  return value;
}

function assertWindowFits(windowOption: string, window: number, maxAgeOption: string, maxAge: number): void {
  if (maxAge !== 0 && window > maxAge) {
    throw new RangeError(`${windowOption} (${window}) must not exceed ${maxAgeOption} (${maxAge})`);
  }
}
