import { randomUUID } from 'node:crypto';
import { AttemptOutcome, decodeHeartbeat, encodeRunEvent, type Heartbeat } from '@tributary/events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecutorService } from './executor.service.js';
import {
  attemptOf,
  eventually,
  ExecutorHarness,
  runId,
  sleep,
} from './test-fixtures/executor-harness.fixture.js';

describe('executor host lifecycle (NATS + Postgres)', () => {
  let h: ExecutorHarness;

  beforeEach(async () => {
    h = await ExecutorHarness.create();
  });
  afterEach(() => h.cleanup());

  it('aborts a running attempt when its task instance is cancelled, and heartbeats running attempts', async () => {
    const heartbeats: Heartbeat[] = [];
    h.nc.subscribe(h.subjects.heartbeatAll, {
      callback: (_e, msg) => {
        const decoded = decodeHeartbeat(msg.data);
        if (decoded.ok) heartbeats.push(decoded.value);
      },
    });
    await h.startHost('host-a', { executors: ['sleep'], heartbeatMs: 100 });
    const run = runId();
    const long = attemptOf(run, 'market=LU/wait', { ms: 20_000 });
    const other = attemptOf(run, 'market=PT/wait', { ms: 400 });
    await h.dispatch('sleep', [long, other]);
    await eventually(() => expect(h.startedOf(long.attemptId)).toBeDefined());
    await eventually(() =>
      expect(
        heartbeats.some(
          (b) => b.host === 'host-a' && b.executor === 'sleep' && b.attemptIds.includes(long.attemptId),
        ),
      ).toBe(true),
    );

    const cancelledAt = Date.now();
    h.nc.publish(
      h.subjects.event(run, 'TaskInstanceCancelled'),
      encodeRunEvent(
        {
          type: 'TaskInstanceCancelled',
          taskId: 'market=LU/wait',
          reason: 'run cancelled',
          actor: 'erin',
          at: cancelledAt,
        },
        { eventId: randomUUID(), runId: run, runSeq: 7, actor: 'erin', traceId: null },
      ),
    );
    const [cancelled, finished] = await h.finals([long.attemptId, other.attemptId], 5_000);
    expect(Date.now() - cancelledAt).toBeLessThan(3_000);
    expect(cancelled!.outcome).toBe(AttemptOutcome.FATAL);
    expect(cancelled!.error).toMatchObject({
      type: 'CancelledError',
      retryable: false,
      message: 'attempt cancelled: run cancelled (by erin)',
    });
    // The other task instance of the run is untouched.
    expect(finished!.outcome).toBe(AttemptOutcome.SUCCESS);
    await eventually(() => expect(heartbeats.at(-1)?.attemptIds).toEqual([]));
  });

  it('keeps the slot of a handler that ignores its timeout until it really returns', async () => {
    const module = await h.writeStubbornHandlerModule();
    const service = await h.startHost(
      'host-a',
      { executors: ['stubborn'], concurrency: 1 },
      { TRIBUTARY_HANDLERS: module },
    );
    const stats = service.app.get(ExecutorService).stats;
    const run = runId();
    const stubborn = attemptOf(run, 'stubborn', { ms: 1_500 }, { timeoutMs: 50 });
    const next = attemptOf(run, 'next', { ms: 0 });
    const dispatchedAt = Date.now();
    await h.dispatch('stubborn', [stubborn, next]);
    // The timeout is reported at once…
    const [timedOut] = await h.finals([stubborn.attemptId], 5_000);
    expect(timedOut!.error).toMatchObject({ type: 'TimeoutError' });
    expect(Date.now() - dispatchedAt).toBeLessThan(1_200);
    await eventually(() => expect(stats.outlived).toBe(1));
    // …but the one slot stays taken while the handler still runs: the next attempt waits for it.
    expect(h.startedOf(next.attemptId)).toBeUndefined();
    const [finished] = await h.finals([next.attemptId], 5_000);
    expect(finished!.outcome).toBe(AttemptOutcome.SUCCESS);
    expect(finished!.startedAt).toBeDefined();
    expect(Date.now() - dispatchedAt).toBeGreaterThanOrEqual(1_500);
    expect(stats.outlived).toBe(0);
  });

  it('acks a dispatch only after the final results of all its attempts were stored', async () => {
    await h.startHost('host-a', { executors: ['sleep'] });
    const run = runId();
    const slow = attemptOf(run, 'slow', { ms: 1_000 });
    const fast = attemptOf(run, 'fast', { ms: 0 });
    await h.dispatch('sleep', [slow, fast]);
    await h.finals([fast.attemptId]);
    await eventually(() => expect(h.startedOf(slow.attemptId)).toBeDefined());
    // One attempt reported, the other still running: the message is held, not acked.
    expect(h.finalOf(slow.attemptId)).toBeUndefined();
    expect(await h.tasksPending()).toEqual({ stored: 1, ackPending: 1 });
    await h.finals([slow.attemptId], 5_000);
    await eventually(async () => expect(await h.tasksPending()).toEqual({ stored: 0, ackPending: 0 }));
  });

  it('hands a dispatch back when the host stops before finishing it: another host runs it', async () => {
    const a = await h.startHost('host-a', { executors: ['sleep'], concurrency: 1, shutdownGraceMs: 200 });
    const run = runId();
    const first = attemptOf(run, 'first', { ms: 1_500 });
    const second = attemptOf(run, 'second', { ms: 10 });
    await h.dispatch('sleep', [first, second]);
    await eventually(() => expect(h.startedOf(first.attemptId)?.host).toBe('host-a'));

    // Concurrency 1: `second` waits for a slot. Stopping aborts `first` after the grace period and
    // reports neither: the dispatch goes back to the queue instead of failing its attempts.
    const stats = a.app.get(ExecutorService).stats;
    await a.stop();
    expect(stats).toMatchObject({ dispatches: 1, reported: 0, handedBack: 1 });
    await sleep(100);
    expect(h.finalOf(first.attemptId)).toBeUndefined();
    expect(h.finalOf(second.attemptId)).toBeUndefined();
    expect((await h.tasksPending()).stored).toBe(1);

    await h.startHost('host-b', { executors: ['sleep'] });
    const results = await h.finals([first.attemptId, second.attemptId], 10_000);
    expect(results.map((r) => [r.host, r.outcome])).toEqual([
      ['host-b', AttemptOutcome.SUCCESS],
      ['host-b', AttemptOutcome.SUCCESS],
    ]);
    await eventually(async () => expect(await h.tasksPending()).toEqual({ stored: 0, ackPending: 0 }));
  });

  it('runs 5 000 noop attempts through one host in batched results', async () => {
    const service = await h.startHost('host-a', { executors: ['noop'], concurrency: 64 });
    const runs = [runId(), runId()];
    const attempts = Array.from({ length: 5_000 }, (_, i) => attemptOf(runs[i % 2]!, `t${i}`, null));
    const started = Date.now();
    for (let i = 0; i < attempts.length; i += 200) await h.dispatch('noop', attempts.slice(i, i + 200));
    await eventually(
      () => expect(h.results().filter((r) => r.outcome === AttemptOutcome.SUCCESS)).toHaveLength(5_000),
      20_000,
    );
    const seconds = (Date.now() - started) / 1000;
    const messages = h.received.length;
    console.info(
      `5000 noop attempts: ${seconds.toFixed(2)} s, ${Math.round(5_000 / seconds)} attempts/s, ` +
        `${messages} result messages (${h.results().length} results incl. STARTED)`,
    );
    expect(new Set(h.results().map((r) => r.attemptId)).size).toBe(5_000);
    // Batched: far fewer messages than results.
    expect(messages).toBeLessThan(1_000);
    // Every result the host published arrives (STARTED notices may trail the last outcome).
    await eventually(
      () => expect(h.results().length).toBe(service.app.get(ExecutorService).results.stats.results),
      10_000,
    );
  });
});
