import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import { executorDurable } from '@tributary/events';

/** What the planner knows of the hosts serving one executor name. */
export type ExecutorPresence = 'served' | 'no-consumer' | 'no-host';

/**
 * Tells the operator when dispatches go to an executor no host serves (a missing `--handlers`
 * module, a stopped host): the instances stay `queued` and their dispatches wait in TASKS until a
 * host starts, which is right, but silent. Looks at the executor's durable consumer: absent means no
 * host ever served it; no pull waiting and nothing handed out means none is serving it now. Asks at most once per executor
 * per `everyMs`, and only says something when the answer changes.
 */
export class ExecutorPresenceCheck {
  private readonly checkedAt = new Map<string, number>();
  private readonly last = new Map<string, ExecutorPresence>();

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly tasksStream: string,
    private readonly warn: (message: string) => void,
    private readonly everyMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Checks the executors just dispatched to (rate-limited); never throws. */
  async dispatchedTo(executors: Iterable<string>): Promise<void> {
    for (const executor of executors) {
      const at = this.now();
      if (at - (this.checkedAt.get(executor) ?? Number.NEGATIVE_INFINITY) < this.everyMs) continue;
      this.checkedAt.set(executor, at);
      const presence = await this.presenceOf(executor);
      if (presence === null) continue;
      const before = this.last.get(executor);
      this.last.set(executor, presence);
      if (presence === before || presence === 'served') continue;
      this.warn(
        presence === 'no-consumer'
          ? `no executor host serves "${executor}": its task instances stay queued until one does ` +
              `(tributary start executor --executors ${executor}, with the handler module in --handlers)`
          : `no executor host is serving "${executor}" right now: its task instances stay queued until one is back`,
      );
    }
  }

  private async presenceOf(executor: string): Promise<ExecutorPresence | null> {
    try {
      const info = await this.jsm.consumers.info(this.tasksStream, executorDurable(executor));
      // A pull waiting, or work handed out and not yet acked (a busy host may stop pulling for a while).
      return (info.num_waiting ?? 0) > 0 || (info.num_ack_pending ?? 0) > 0 ? 'served' : 'no-host';
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound)
        return 'no-consumer';
      return null; // NATS busy or down: say nothing rather than something wrong
    }
  }
}
