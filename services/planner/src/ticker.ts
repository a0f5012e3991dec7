import { nextWakeAt } from '@tributary/domain';
import type { RunCache } from './run-cache.js';
import type { DecisionEngine } from './decision-engine.js';
import type { DispatchScheduler } from './dispatch-scheduler.js';

/**
 * Time-driven work: retries that come due, attempts past their timeout, and scheduled instances a
 * limit held back (a slot freed in another run, a pool's rate refilled). Retries survive restarts:
 * their time is in the log, and the planner loads every running run on start.
 */
export class Ticker {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private heldBackTriedAt = 0;

  constructor(
    private readonly runs: RunCache,
    private readonly engine: DecisionEngine,
    private readonly scheduler: DispatchScheduler,
    private readonly everyMs = 100,
    private readonly onError: (error: unknown) => void = (e) => console.error('planner tick failed', e),
    /** Another replica may free a pool slot or end a run without this one hearing of it: retry this often. */
    private readonly heldBackEveryMs = 1_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.everyMs);
  }

  async tick(now = Date.now()): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const due: string[] = [];
      // Held-back instances are worth another try when capacity was freed since the last try (an
      // instance finished, a run ended), a pool's rate refilled, or now and then for capacity other
      // planner replicas freed; not every tick: a run kept waiting by maxActiveRuns would cost a
      // transaction every 100 ms.
      const poolWait = this.scheduler.nextWakeMs;
      const retryHeldBack =
        this.scheduler.takeCapacityFreed() ||
        (poolWait !== null && poolWait <= now) ||
        now - this.heldBackTriedAt >= this.heldBackEveryMs;
      if (retryHeldBack) this.heldBackTriedAt = now;
      for (const [runId, { state }] of this.runs.active()) {
        if (state.run.status !== 'running') continue;
        const wake = nextWakeAt(state);
        const backlog = state.scheduled.size > 0 && retryHeldBack;
        if ((wake !== null && wake <= now) || backlog) due.push(runId);
      }
      if (due.length > 0)
        await this.engine.execute(
          due.map((runId) => ({ runId, commands: [{ command: { type: 'Tick', runId } }] })),
        );
      this.runs.dropFinished();
    } catch (error) {
      this.onError(error);
    } finally {
      this.running = false;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.running) await new Promise((r) => setTimeout(r, 10));
  }
}
