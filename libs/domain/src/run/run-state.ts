import type { Json } from '../spec/pipeline-spec.js';
import type { CompiledPlan } from '../spec/compiled-plan.js';
import type { TaskState } from '../rules/task-state.js';
import type { GroupState, RunStatus, TaskError } from './run-events.js';
import { planIndexOf, type PlanIndex } from './plan-index.js';

/** One task instance. Kept small: a run may hold 100 000 of them. */
export interface TaskRecord {
  readonly taskId: string;
  readonly slotKey: string;
  readonly stagePath: string;
  readonly groupPath: string | null;
  readonly mapIndex: number | null;
  /** The stage's `label:` for this map index (recorded in TaskMapExpanded); null without one. */
  readonly label: string | null;
  state: TaskState;
  /** Number of the current (or last) attempt; 0 before the first dispatch. Clears keep counting. */
  attempt: number;
  /** Attempt number when the retry budget was last reset (by a clear): retries used = attempt - tryBase - 1. */
  tryBase: number;
  output: Json | null;
  error: TaskError | null;
  readySeq: number;
  /** When it was first scheduled (a clear keeps it): where the instance's span starts. */
  firstScheduledAt: number | null;
  queuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  retryAt: number | null;
}

/**
 * A stage within one group (or the top level). It owns the trigger-rule counters over its upstream
 * instances, shared by all its map indices, so a finishing upstream updates each dependent stage once.
 */
export interface SlotRecord {
  readonly key: string;
  readonly stagePath: string;
  readonly groupPath: string | null;
  readonly kind: 'task' | 'group';
  /** unexpanded: a mapped stage or group block waiting for its list; unresolved: a block whose supplier did not succeed. */
  status: 'unexpanded' | 'expanded' | 'unresolved';
  unresolvedState: 'upstream_failed' | 'skipped' | null;
  success: number;
  skipped: number;
  failed: number;
  upstreamFailed: number;
  total: number;
  /** Upstream slots not expanded yet: while > 0 the upstream count may still grow. */
  pendingSlots: number;
  /** Instances of this slot in `pending` (so a settled verdict does not rescan every map index). */
  pendingCount: number;
  /** Task ids in map-index order (task slots). */
  instances: string[];
  /** Child group paths in list order (group block slots). */
  groups: string[];
}

export interface GroupRecord {
  readonly path: string;
  readonly blockPath: string;
  readonly key: string;
  readonly value: Json;
  readonly parentPath: string | null;
  /** The block's `label:` for this group (recorded in GroupsExpanded); null without one. */
  readonly label: string | null;
  /** When the group was expanded (its span's start). */
  readonly startedAt: number;
  state: GroupState;
  /** Units (instances, unexpanded slots, child groups) not finished yet. */
  unfinished: number;
  /** Finished units that failed (failed, upstream_failed, cancelled, failed child group). */
  failedUnits: number;
}

export interface RunRecord {
  id: string;
  pipelineId: string;
  version: number;
  status: RunStatus | 'new' | 'rejected';
  params: Json;
  idempotencyKey: string | null;
  createdAt: number | null;
  /**
   * When the run first dispatched an instance (took one of its pipeline's `maxActiveRuns` slots); null
   * while it waits for one, and again once reopened by a clear (it queues for a slot anew, as in Airflow).
   */
  admittedAt: number | null;
  finishedAt: number | null;
  reason: string | null;
  consolidationRound: number;
  consolidationVia: 'planner' | 'fan-in';
}

/**
 * The state of one run, folded from its events. A mutable aggregate owned by one fold: `evolve` updates
 * it in place so an event costs O(affected instances), never O(run). See docs/architecture.md.
 */
export interface RunState {
  readonly plan: CompiledPlan;
  readonly index: PlanIndex;
  run: RunRecord;
  readonly tasks: Map<string, TaskRecord>;
  readonly slots: Map<string, SlotRecord>;
  readonly groups: Map<string, GroupRecord>;
  /** Scheduled instances in the order they became ready (FIFO among equal priority). */
  readonly scheduled: Set<string>;
  /** Instances waiting for their retry time. */
  readonly retrying: Set<string>;
  /** Instances running with a timeout. */
  readonly running: Set<string>;
  /** Instances queued (dispatched, not started): watched for their queuedTimeout. */
  readonly queued: Set<string>;
  /** Queued + running instances, in total and per stage path. */
  active: number;
  readonly activeByStage: Map<string, number>;
  /** Instances in an unfinished state plus unexpanded slots: the run is done at 0. */
  unfinished: number;
  /** Leaf instances (and unresolved leaf blocks) that ended failed or upstream_failed. */
  failedLeaves: number;
  /** Why the first group block that failed to expand did (over a limit, a bad key…): the failed run's reason. */
  expansionError: string | null;
  readySeq: number;
  eventCount: number;
  /** Slots and groups whose counters changed since decide last looked (decide drains them). */
  readonly dirtySlots: Set<string>;
  readonly dirtyGroups: Set<string>;
  /**
   * Per slot key: the list its map (or group block) expands over, evaluated once (a 10 000-index map must
   * not re-evaluate its list per index). Emptied when a clear changes outputs (`mapItemsOf.invalidate`).
   */
  readonly mapItems: Map<string, Json[]>;
}

export function initialRunState(plan: CompiledPlan): RunState {
  return {
    plan,
    index: planIndexOf(plan),
    run: {
      id: '',
      pipelineId: plan.spec.id,
      version: 0,
      status: 'new',
      params: null,
      idempotencyKey: null,
      createdAt: null,
      admittedAt: null,
      finishedAt: null,
      reason: null,
      consolidationRound: 0,
      consolidationVia: 'planner',
    },
    tasks: new Map(),
    slots: new Map(),
    groups: new Map(),
    scheduled: new Set(),
    retrying: new Set(),
    running: new Set(),
    queued: new Set(),
    active: 0,
    activeByStage: new Map(),
    unfinished: 0,
    failedLeaves: 0,
    expansionError: null,
    readySeq: 0,
    eventCount: 0,
    dirtySlots: new Set(),
    dirtyGroups: new Set(),
    mapItems: new Map(),
  };
}
