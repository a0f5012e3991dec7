import { describe, expect, it } from 'vitest';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { subjects } from '@tributary/events';
import { AttemptWatch } from './attempt-watch.js';

/** The executor consumer's state as `consumers.info` reports it (the timing rules are what is tested). */
function consumerState(state: { pending: number; ackPending: number }): JetStreamManager {
  return {
    consumers: {
      info: async () => ({
        num_pending: state.pending,
        num_ack_pending: state.ackPending,
        config: { ack_wait: 30e9 },
      }),
    },
  } as unknown as JetStreamManager;
}

/** A watch over an executor consumer in `state`, reading the time from `clock` (heartbeat timeout 2 min). */
const watchOf = (state: { pending: number; ackPending: number }, clock: () => number): AttemptWatch =>
  new AttemptWatch({} as NatsConnection, consumerState(state), subjects('t'), 'T', 120_000, clock);

describe('AttemptWatch: when a queued attempt counts as lost', () => {
  const start = 1_000_000;

  it('never while its dispatch may still wait in the stream (pending > 0)', async () => {
    let now = start;
    const watch = watchOf({ pending: 5, ackPending: 0 }, () => now);
    now += 3_600_000;
    expect(await watch.mayRequeue('x', 'r/a#1', start)).toBe(false);
  });

  it('at once when nothing is pending and nothing is handed out', async () => {
    const watch = watchOf({ pending: 0, ackPending: 0 }, () => start + 1);
    expect(await watch.mayRequeue('x', 'r/a#1', start)).toBe(true);
  });

  it('while hosts hold messages, only an ack wait + 15 s after its dispatch (a host may hold it unstarted), however long the planner has run', async () => {
    let now = start;
    const watch = watchOf({ pending: 0, ackPending: 3 }, () => now);
    now = start + 3_600_000; // the planner has run for an hour
    const queuedAt = now - 10_000;
    expect(await watch.mayRequeue('x', 'r/a#1', queuedAt)).toBe(false);
    now = queuedAt + 44_999 + 2_000; // past the 2 s cache of the consumer state
    expect(await watch.mayRequeue('x', 'r/a#1', queuedAt)).toBe(true);
  });

  it('a running attempt is lost after the heartbeat timeout counted from its start or the planner start', () => {
    let now = start;
    const watch = watchOf({ pending: 0, ackPending: 0 }, () => now);
    now = start + 119_999;
    expect(watch.lost('r/a#1', start - 500_000)).toBeNull();
    now = start + 120_000;
    expect(watch.lost('r/a#1', start - 500_000)).toBe(
      'no host listed the attempt in a heartbeat for 120000 ms (heartbeat timeout 120000 ms)',
    );
    expect(watch.lost('r/a#1', start + 60_000)).toBeNull();
  });
});
