import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from '../api/api-client.js';
import { readProgressView } from '../api/run-view-reader.js';
import { FINISHED_RUN_STATES, type RunView } from '../api/types.js';
import { CliError } from '../errors.js';
import type { ProgressRenderer } from './renderers.js';

export interface FollowOptions {
  /** Poll interval. @default 300 */
  intervalMs?: number;
  /** Give up (exit 1) after this long; none when omitted. */
  timeoutMs?: number;
  /** Told once when the planner has not created the run after a few seconds. */
  onSlowStart?: (waitedMs: number) => void;
  /** Stops following (Ctrl-C): resolves with the last view seen. */
  signal?: AbortSignal;
}

/** Consecutive failed polls tolerated (an api restart), about 3 s at the default interval. */
const MAX_POLL_ERRORS = 10;

/**
 * Follows a run by polling `GET /runs/:id` (404 until the planner processed the trigger) and feeds
 * each view to the renderer, until the run is finished (success, failed, cancelled, rejected).
 */
export async function followRun(
  client: ApiClient,
  runId: string,
  renderer: ProgressRenderer,
  options: FollowOptions = {},
): Promise<{ view: RunView | null; finished: boolean }> {
  const interval = options.intervalMs ?? 300;
  const started = Date.now();
  let last: RunView | null = null;
  let errors = 0;
  let toldSlow = false;
  try {
    for (;;) {
      if (options.signal?.aborted) return { view: last, finished: false };
      let view: RunView | null = null;
      try {
        view = await readProgressView(client, runId);
        errors = 0;
      } catch (error) {
        errors += 1;
        if (errors >= MAX_POLL_ERRORS) throw error;
      }
      if (view) {
        last = view;
        renderer.update(view);
        if (FINISHED_RUN_STATES.has(view.run.state)) return { view, finished: true };
      }
      // Not taken by a planner yet: 404 from older apis, `queued` from the api's receipt (issue #9).
      if ((!last || last.run.state === 'queued') && !toldSlow && Date.now() - started > 5000) {
        toldSlow = true;
        options.onSlowStart?.(Date.now() - started);
      }
      if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs) {
        const state = last ? last.run.state : 'not created by the planner';
        throw new CliError(`run ${runId} is still ${state} after ${Math.round(options.timeoutMs / 1000)}s`);
      }
      try {
        await sleep(interval, undefined, options.signal ? { signal: options.signal } : {});
      } catch {
        return { view: last, finished: false };
      }
    }
  } finally {
    renderer.stop();
  }
}
