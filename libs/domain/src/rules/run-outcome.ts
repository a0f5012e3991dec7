/**
 * How many leaf task instances (instances of stages with no downstream) ended in each terminal
 * state. Unfinished leaves are not listed here: they are part of `RunOutcomeInput.unfinished`.
 */
export interface LeafStateCounts {
  success: number;
  skipped: number;
  failed: number;
  upstreamFailed: number;
  /** Cancelled by an operator; counts as `failed`, as everywhere else a cancelled instance does. */
  cancelled: number;
}

/** Everything `decideRunOutcome` needs about a run (SEMANTICS.md "Run state"). */
export interface RunOutcomeInput {
  /**
   * Task instances of the run — any, not only leaves — in `pending`, `scheduled`, `queued`,
   * `running` or `up_for_retry`.
   */
  unfinished: number;
  /** Terminal leaf instances by state. */
  leaves: LeafStateCounts;
  /**
   * Whether any unfinished instance can still make progress on its own: it is scheduled,
   * queued, running or waiting for a retry, it is ready to run, or its trigger rule may still
   * let it run once its upstreams finish. False with `unfinished > 0` means the run is
   * deadlocked. Ignored when `unfinished` is 0.
   */
  anyReadyPossible: boolean;
}

/**
 * The run's state as the scheduler decides it. `deadlocked` is a failed run (reason
 * `deadlocked`); a cancelled run is decided by the cancel itself, not here.
 */
export type RunOutcome = 'running' | 'success' | 'failed' | 'deadlocked';

/**
 * Decides a run's state, in Airflow's order (`DagRun.update_state`):
 * 1. no unfinished instance and any leaf `failed`/`upstream_failed`/`cancelled` ⇒ `failed`;
 * 2. no unfinished instance (every leaf `success`/`skipped`, or no leaf at all) ⇒ `success`;
 * 3. unfinished instances but none can ever become ready ⇒ `deadlocked`;
 * 4. else `running`.
 *
 * Only leaves decide success or failure: a consolidation with `all_done` that succeeds makes
 * the run `success` even when some groups failed.
 *
 * @throws RangeError when a count is not a non-negative integer.
 */
export function decideRunOutcome(input: RunOutcomeInput): RunOutcome {
  const { unfinished, leaves } = input;
  for (const [name, value] of [
    ['unfinished', unfinished],
    ['leaves.success', leaves.success],
    ['leaves.skipped', leaves.skipped],
    ['leaves.failed', leaves.failed],
    ['leaves.upstreamFailed', leaves.upstreamFailed],
    ['leaves.cancelled', leaves.cancelled],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`decideRunOutcome: ${name} must be a non-negative integer, got ${value}`);
    }
  }
  if (unfinished === 0) {
    return leaves.failed + leaves.upstreamFailed + leaves.cancelled > 0 ? 'failed' : 'success';
  }
  return input.anyReadyPossible ? 'running' : 'deadlocked';
}
