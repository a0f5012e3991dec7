import { sql } from 'kysely';
import { TributarySystem } from '../../test/support/tributary-system.js';
import { peakRssBytes } from '../lib/proc-memory.js';
import type { Workload } from '../lib/workload.js';
import {
  BenchTimeoutError,
  type Contender,
  type ContenderSession,
  type ContenderSetup,
  type ExecuteOptions,
  type Execution,
  type PeakRss,
  type WatchedRun,
} from './contender.js';
import { hopLatencies, runTimings, verifyRuns } from './tributary-log.js';
import { groupParams, pipelineFor } from './tributary-pipeline.js';

/** How often the bench looks at the `runs` projection for finished runs (one query for all runs). */
const POLL_MS = 50;

/**
 * Tributary as deployed: planner, fan-in, consolidator, api and `hosts` executor hosts (each serving the
 * built-ins noop, list and sleep with `concurrencyPerHost`) as separate OS processes from
 * services/<svc>/dist, on a fresh database and NATS prefix (TributarySystem). Runs are triggered over
 * the HTTP api; verification and timings come from the event log.
 */
export const tributary: Contender = {
  name: 'tributary',
  label: 'Tributary',
  async open(setup: ContenderSetup): Promise<ContenderSession> {
    const system = await TributarySystem.start({
      executorHosts: Array.from({ length: setup.hosts }, (_, i) => ({
        name: `executor-${i + 1}`,
        executors: ['noop', 'list', 'sleep'],
        concurrency: setup.concurrencyPerHost,
      })),
      handlers: [],
      // The bench is one client sending a load generator's bursts (many-runs: 500 triggers at once), not
      // a user: the api's per-token limit (50/s, burst 200) would answer 429s and measure the limiter.
      env: { TRIBUTARY_API_RATE_LIMIT: '0' },
    });
    return new TributarySession(system);
  },
};

class TributarySession implements ContenderSession {
  private readonly applied = new Set<string>();

  constructor(private readonly system: TributarySystem) {}

  async execute(workload: Workload, options: ExecuteOptions): Promise<Execution> {
    const { id, yaml } = pipelineFor(workload);
    if (!this.applied.has(id)) {
      await this.system.applyPipeline(yaml);
      this.applied.add(id);
    }
    const params = groupParams(workload.groups);
    const startedAt = Date.now();
    const triggers = await Promise.all(
      Array.from({ length: workload.runs }, async () => {
        const triggeredAt = Date.now();
        const response = await this.system.api.post(`/pipelines/${id}/runs`, { params });
        if (response.status !== 202)
          throw new Error(`tributary: trigger refused: ${response.status} ${JSON.stringify(response.body)}`);
        return { runId: response.body.runId as string, triggeredAt };
      }),
    );
    const runIds = triggers.map((t) => t.runId);
    await this.watchWhileWaiting(runIds, startedAt + options.timeoutMs, options);
    const verified = await verifyRuns(this.system.db, runIds, workload);
    const runs = runTimings(triggers, verified.completedAt);
    if (options.watch) await options.watch.afterwards(this.watched(runIds));
    return {
      startedAt,
      completedAt: Math.max(...runs.map((r) => r.completedAt)),
      taskInstances: verified.taskInstances,
      runs,
      fanInLatenciesMs: verified.fanInLatenciesMs,
      hopLatenciesMs: options.hops ? await hopLatencies(this.system.db, runIds, workload) : undefined,
      peakRss: options.memory ? this.peakRss() : undefined,
      verification: verified.checks,
      watched: options.watch?.figures(),
    };
  }

  /** Waits for the runs; meanwhile the watcher (if any) measures the first run until they finished. */
  private async watchWhileWaiting(
    runIds: string[],
    deadline: number,
    options: ExecuteOptions,
  ): Promise<void> {
    if (!options.watch) return this.waitForRuns(runIds, deadline, options);
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const watching = options.watch.whileRunning(this.watched(runIds), finished);
    // A watcher that fails early must not leave an unhandled rejection while the wait goes on.
    watching.catch(() => undefined);
    try {
      await this.waitForRuns(runIds, deadline, options);
    } finally {
      finish();
    }
    await watching;
  }

  private watched(runIds: string[]): WatchedRun {
    return {
      apiUrl: this.system.api.baseUrl,
      token: this.system.env.TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN!,
      runId: runIds[0]!,
    };
  }

  /** Waits until the `runs` projection shows every run finished. */
  private async waitForRuns(runIds: string[], deadline: number, options: ExecuteOptions): Promise<void> {
    for (;;) {
      this.system.assertRunning();
      const { rows } = await sql<{ finished: number }>`
        select count(*)::int as finished from runs
        where run_id = any(${runIds}::text[]) and state in ('success', 'failed', 'cancelled')`.execute(
        this.system.db,
      );
      if (rows[0]!.finished === runIds.length) return;
      if (Date.now() > deadline)
        throw new BenchTimeoutError(
          `tributary: ${rows[0]!.finished} of ${runIds.length} runs finished after ${options.timeoutMs / 1000} s`,
          options.timeoutMs,
          options.memory ? this.peakRss() : undefined,
        );
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** VmHWM of every service process (they live for this session only). */
  private peakRss(): PeakRss[] {
    return this.system.processes.map((p) => ({ process: p.name, bytes: peakRssBytes(p.pid) }));
  }

  async close(): Promise<void> {
    await this.system.stop();
  }
}
