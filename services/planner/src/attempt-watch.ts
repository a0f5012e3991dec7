import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { decodeHeartbeat, executorDurable, type Subjects } from '@tributary/events';

/** Extra wait beyond a consumer's ack wait before an attempt no host lists counts as unheld (a heartbeat period and some). */
const HELD_GRACE_MS = 15_000;
/** Executor consumer state is asked at most this often per executor. */
const BACKLOG_EVERY_MS = 2_000;

/** An executor's durable consumer: nothing pending in the stream (drained), nothing handed out (idle). */
interface Backlog {
  at: number;
  drained: boolean;
  idle: boolean;
  ackWaitMs: number;
}

/**
 * What the executor hosts say about the attempts they hold, from their heartbeats (core NATS, every
 * 10 s, every attempt a host holds — waiting for a slot or running) and from each executor's durable
 * consumer. The watchdog asks it two questions: has a running attempt's host gone silent (fail it and
 * retry), and may an overdue queued attempt be dispatched again (nothing pending in its stream, no
 * host holding it, and long enough that a dead host's copy would have been redelivered already)?
 */
export class AttemptWatch {
  private readonly lastHeld = new Map<string, { at: number; host: string }>();
  private readonly backlog = new Map<string, Backlog>();
  private readonly since: number;
  private sub: Subscription | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly subjects: Subjects,
    private readonly tasksStream: string,
    readonly heartbeatTimeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.since = now();
  }

  start(): void {
    this.sub = this.nc.subscribe(this.subjects.heartbeatAll, {
      callback: (error, msg) => {
        if (error) return;
        const decoded = decodeHeartbeat(msg.data);
        if (!decoded.ok) return;
        const seen = { at: this.now(), host: decoded.value.host };
        for (const attemptId of decoded.value.attemptIds) this.lastHeld.set(attemptId, seen);
      },
    });
  }

  stop(): void {
    this.sub?.unsubscribe();
    this.sub = null;
  }

  /** Forgets attempts no heartbeat listed for twice the timeout (finished or lost long ago). */
  prune(): void {
    const horizon = this.now() - 2 * this.heartbeatTimeoutMs;
    for (const [attemptId, seen] of this.lastHeld) if (seen.at < horizon) this.lastHeld.delete(attemptId);
  }

  /**
   * Why a running attempt counts as lost, or null: no heartbeat listed it for the timeout, counted from
   * its start, this planner's start (it heard nothing before) or the last heartbeat that did.
   */
  lost(attemptId: string, startedAt: number | null): string | null {
    const seen = this.lastHeld.get(attemptId);
    const from = Math.max(startedAt ?? 0, this.since, seen?.at ?? 0);
    const silent = this.now() - from;
    if (silent < this.heartbeatTimeoutMs) return null;
    return seen
      ? `no heartbeat from host ${seen.host} listed the attempt for ${silent} ms (heartbeat timeout ${this.heartbeatTimeoutMs} ms)`
      : `no host listed the attempt in a heartbeat for ${silent} ms (heartbeat timeout ${this.heartbeatTimeoutMs} ms)`;
  }

  /**
   * Whether a queued attempt of `executor` may be dispatched again: its executor's consumer has nothing
   * pending (the dispatch is not waiting in the stream), and either nothing is handed out to any host
   * or no host listed the attempt for longer than the consumer's ack wait (a copy a dead host held
   * would have been redelivered by then).
   */
  async mayRequeue(executor: string, attemptId: string, queuedAt: number): Promise<boolean> {
    const backlog = await this.backlogOf(executor);
    if (!backlog?.drained) return false;
    if (backlog.idle) return true;
    // Counted from the dispatch too: a host may hold a message it pulled and has not started yet, which
    // no heartbeat lists; a copy a dead host held comes back within the ack wait of its dispatch.
    const seen = this.lastHeld.get(attemptId);
    const from = Math.max(this.since, queuedAt, seen?.at ?? 0);
    return this.now() - from >= backlog.ackWaitMs + HELD_GRACE_MS;
  }

  private async backlogOf(executor: string): Promise<Backlog | null> {
    const cached = this.backlog.get(executor);
    const now = this.now();
    if (cached && now - cached.at < BACKLOG_EVERY_MS) return cached;
    try {
      const info = await this.jsm.consumers.info(this.tasksStream, executorDurable(executor));
      const state = {
        at: now,
        drained: (info.num_pending ?? 0) === 0,
        idle: (info.num_ack_pending ?? 0) === 0,
        ackWaitMs: Math.ceil((info.config.ack_wait ?? 30e9) / 1e6),
      };
      this.backlog.set(executor, state);
      return state;
    } catch (error) {
      // No consumer: no host ever served the executor, its dispatches wait in the stream for one.
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound)
        this.backlog.set(executor, { at: now, drained: false, idle: false, ackWaitMs: 0 });
      return null; // NATS busy or down: decide nothing on a guess
    }
  }
}
