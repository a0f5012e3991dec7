import { attemptIdOf, overdueQueued, type RunCommand } from '@tributary/domain';
import type { RunCache } from './run-cache.js';
import type { DecisionEngine, RunWork } from './decision-engine.js';
import type { AttemptWatch } from './attempt-watch.js';

/**
 * Recovers stuck work (issue #8): a queued instance whose dispatch was lost (a purged or recreated
 * stream) is dispatched again after its stage's queuedTimeout; a running attempt whose host stopped
 * heartbeating is failed and retried per policy. The domain re-checks each command against the state
 * it locks, so a stale view here (another replica, a result in flight) changes nothing.
 */
export class AttemptWatchdog {
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;

  constructor(
    private readonly runs: RunCache,
    private readonly engine: DecisionEngine,
    private readonly watch: AttemptWatch,
    private readonly onError: (error: unknown) => void,
    private readonly everyMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.watch.start();
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = this.check()
        .then(() => undefined, this.onError)
        .finally(() => (this.busy = null));
    }, this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.busy;
    this.watch.stop();
  }

  /** One pass over the runs this planner holds; returns the commands sent (for tests and logs). */
  async check(): Promise<RunWork[]> {
    this.watch.prune();
    const now = this.now();
    const works: RunWork[] = [];
    for (const [runId, { state }] of this.runs.active()) {
      if (state.run.status !== 'running') continue;
      const commands: { command: RunCommand }[] = [];
      const requeue: string[] = [];
      for (const rec of overdueQueued(state, now)) {
        const executor = state.index.node(rec.stagePath);
        if (executor.kind !== 'task') continue;
        const attemptId = attemptIdOf(runId, rec.taskId, rec.attempt);
        if (await this.watch.mayRequeue(executor.executor, attemptId, rec.queuedAt ?? 0))
          requeue.push(rec.taskId);
      }
      if (requeue.length > 0)
        commands.push({ command: { type: 'RequeueLostDispatches', runId, taskIds: requeue } });
      for (const taskId of state.running) {
        const rec = state.tasks.get(taskId)!;
        const reason = this.watch.lost(attemptIdOf(runId, taskId, rec.attempt), rec.startedAt);
        if (reason)
          commands.push({
            command: { type: 'RecordAttemptLost', runId, taskId, attempt: rec.attempt, reason },
          });
      }
      if (commands.length > 0) works.push({ runId, commands, actor: 'planner:watchdog' });
    }
    if (works.length > 0) await this.engine.execute(works);
    return works;
  }
}
