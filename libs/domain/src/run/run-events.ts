import type { Json } from '../spec/pipeline-spec.js';
import type { TaskState } from '../rules/task-state.js';

/** Why a task failed; `retryable: false` means no retry can help (FatalError, bad input). */
export interface TaskError {
  message: string;
  type: string;
  retryable: boolean;
}

export type ConsolidationVia = 'planner' | 'fan-in';
export type GroupState = 'running' | 'success' | 'failed';
export type RunStatus = 'running' | 'success' | 'failed' | 'cancelled';

export interface ExpandedGroup {
  path: string;
  key: string;
  value: Json;
  /** The block's `label:` for this group; absent when the block has none. */
  label?: string;
}

/** Every state change of a run, its groups and task instances. Past tense; `at` is epoch ms. */
export type RunEvent =
  /**
   * `consolidationVia`: 'planner' schedules the consolidation like any task; 'fan-in' waits for the
   * fan-in/consolidator services to run it and report (RecordConsolidationResult).
   */
  | {
      type: 'TriggerAccepted';
      runId: string;
      pipelineId: string;
      version: number;
      params: Json;
      idempotencyKey: string | null;
      actor: string;
      consolidationVia: ConsolidationVia;
      at: number;
    }
  | {
      type: 'TriggerRejected';
      runId: string;
      pipelineId: string;
      issues: { path: string; message: string }[];
      idempotencyKey: string | null;
      actor: string;
      at: number;
    }
  | { type: 'RunPlanned'; groupBlocks: number; at: number }
  /** A group block expanded in a parent group (null = top level); `unresolved` when its supplier did not succeed. */
  | {
      type: 'GroupsExpanded';
      blockPath: string;
      parentGroup: string | null;
      groups: ExpandedGroup[];
      unresolved: 'upstream_failed' | 'skipped' | null;
      error: string | null;
      at: number;
    }
  /** A mapped stage expanded in a group: `length` instances `[0..length-1]`, or null = one unmapped instance that will not run. */
  | {
      type: 'TaskMapExpanded';
      stagePath: string;
      groupPath: string | null;
      length: number | null;
      /** The stage's `label:` per map index (as many as `length`); absent when the stage has none. */
      labels?: string[];
      at: number;
    }
  /** Cleared with its supplier: a mapped stage or group block that did not expand waits for its list again. */
  | { type: 'StageExpansionReset'; stagePath: string; groupPath: string | null; actor: string; at: number }
  | { type: 'TaskInstanceScheduled'; taskId: string; at: number }
  | { type: 'TaskInstanceQueued'; taskId: string; attempt: number; executor: string; at: number }
  /** Queued past its stage's `queuedTimeout` without starting (its dispatch was lost): dispatched again as the same attempt. */
  | {
      type: 'TaskInstanceRequeued';
      taskId: string;
      attempt: number;
      executor: string;
      reason: string;
      at: number;
    }
  | { type: 'TaskInstanceStarted'; taskId: string; attempt: number; host: string; at: number }
  | { type: 'TaskInstanceSucceeded'; taskId: string; attempt: number; output: Json; at: number }
  | { type: 'TaskInstanceFailed'; taskId: string; attempt: number; error: TaskError; at: number }
  | {
      type: 'TaskInstanceUpForRetry';
      taskId: string;
      attempt: number;
      error: TaskError;
      retryAt: number;
      at: number;
    }
  | { type: 'TaskInstanceSkipped'; taskId: string; reason: string; at: number }
  | { type: 'TaskInstanceUpstreamFailed'; taskId: string; reason: string; at: number }
  | { type: 'TaskInstanceCancelled'; taskId: string; reason: string; actor: string | null; at: number }
  | { type: 'TaskInstanceCleared'; taskId: string; actor: string; reason: string; at: number }
  | {
      type: 'TaskInstanceMarked';
      taskId: string;
      state: Extract<TaskState, 'success' | 'failed' | 'skipped'>;
      actor: string;
      reason: string;
      at: number;
    }
  | { type: 'GroupCompleted'; groupPath: string; state: Exclude<GroupState, 'running'>; at: number }
  | { type: 'GroupReopened'; groupPath: string; at: number }
  | {
      type: 'ConsolidationTriggered';
      round: number;
      groups: { path: string; state: Exclude<GroupState, 'running'> }[];
      at: number;
    }
  | { type: 'RunCompleted'; state: 'success' | 'failed'; reason: string | null; at: number }
  | { type: 'RunReopened'; actor: string; reason: string; at: number }
  | { type: 'RunCancelled'; actor: string; reason: string; at: number };

export type RunEventType = RunEvent['type'];

/** The task id an event is about, if any (for the event log's `task_id` column). */
export function taskIdOfEvent(event: RunEvent): string | null {
  return 'taskId' in event ? event.taskId : null;
}

/** The attempt an event is about, if any (for the event log's `attempt` column). */
export function attemptOfEvent(event: RunEvent): number | null {
  return 'attempt' in event ? event.attempt : null;
}
