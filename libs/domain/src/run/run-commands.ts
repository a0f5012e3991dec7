import type { Json } from '../spec/pipeline-spec.js';
import type { TaskState } from '../rules/task-state.js';
import type { ConsolidationVia, TaskError } from './run-events.js';

/** Inputs to a run's decider. Imperative names; every command names its run so a misrouted one is refused. */
export type RunCommand =
  | {
      type: 'StartRun';
      runId: string;
      pipelineId: string;
      version: number;
      params: unknown;
      idempotencyKey: string | null;
      actor: string;
      consolidationVia?: ConsolidationVia;
    }
  /** The consolidator ran (or ruled out) consolidation round `round` that the fan-in triggered. */
  | {
      type: 'RecordConsolidationResult';
      runId: string;
      round: number;
      outcome: 'success' | 'failed' | 'skipped' | 'upstream_failed';
      output?: Json;
      error?: TaskError;
      host: string;
      startedAt: number;
      finishedAt: number;
    }
  /** The scheduler chose these scheduled instances: hand them to their executors. */
  | { type: 'DispatchTasks'; runId: string; taskIds: string[] }
  | { type: 'RecordTaskStarted'; runId: string; taskId: string; attempt: number; host: string }
  | {
      type: 'RecordTaskResult';
      runId: string;
      taskId: string;
      attempt: number;
      outcome: 'success' | 'failed' | 'skipped';
      output?: Json;
      error?: TaskError;
    }
  /** Time passed: retries that are due, attempts past their timeout. */
  | { type: 'Tick'; runId: string }
  /**
   * The attempt's host went silent (no heartbeat for the planner's heartbeat timeout): it is failed and
   * retried per its policy, like Airflow's zombie tasks. Refused when the attempt is no longer running.
   */
  /**
   * These queued instances are past their queuedTimeout and no host holds their dispatch (the planner
   * checked the stream and the heartbeats): dispatch them again as the same attempt.
   */
  | { type: 'RequeueLostDispatches'; runId: string; taskIds: string[] }
  | { type: 'RecordAttemptLost'; runId: string; taskId: string; attempt: number; reason: string }
  | {
      type: 'ClearTaskInstances';
      runId: string;
      /** Task selectors (task-selectors.ts): exact ids, group paths, `*` patterns. */
      taskIds: string[];
      downstream: boolean;
      onlyFailed: boolean;
      /** Clear only the instances the selectors match that are in one of these states (none: any). */
      states?: TaskState[] | null;
      actor: string;
      /** Recorded in the events when given. */
      reason?: string;
    }
  | {
      type: 'MarkTaskInstance';
      runId: string;
      taskId: string;
      state: 'success' | 'failed' | 'skipped';
      actor: string;
      reason?: string;
    }
  | { type: 'CancelRun'; runId: string; actor: string; reason: string };

/** What decide needs from the outside world: the time (epoch ms) and a random source for retry jitter. */
export interface DecideContext {
  now: number;
  random: () => number;
}

export type RejectionCode =
  | 'wrong_run'
  | 'run_not_started'
  | 'run_already_started'
  | 'run_finished'
  | 'unknown_task'
  | 'invalid_request'
  | 'stale_attempt'
  | 'duplicate_result'
  | 'invalid_state';

/** A command that cannot apply: no events, a typed reason. Never an exception that could wedge a consumer. */
export interface Rejection {
  code: RejectionCode;
  message: string;
}
