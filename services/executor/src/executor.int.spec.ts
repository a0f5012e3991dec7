import { AttemptOutcome, epochMsFromTimestamp } from '@tributary/events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startExecutor } from './executor.js';
import { ExecutorService } from './executor.service.js';
import {
  attemptOf,
  eventually,
  ExecutorHarness,
  json,
  runId,
  traceIdOf,
} from './test-fixtures/executor-harness.fixture.js';

describe('executor host (NATS + Postgres)', () => {
  let h: ExecutorHarness;

  beforeEach(async () => {
    h = await ExecutorHarness.create();
  });
  afterEach(() => h.cleanup());

  it('runs dispatches of several executors and reports STARTED and final results in per-run batches', async () => {
    const module = await h.writeHandlerModule();
    await h.startHost('host-a', { concurrency: 16 }, { TRIBUTARY_HANDLERS: module });
    const r1 = runId();
    const r2 = runId();
    const echo1 = attemptOf(r1, 'echo', { value: { a: 1, list: [1, 2] } });
    const echo2 = attemptOf(r2, 'echo', { value: 'two' });
    const fatal = attemptOf(r1, 'fatal', { fatal: true, message: 'bad input' });
    const failed = attemptOf(r1, 'failed', { message: 'try again' });
    const skipped = attemptOf(r1, 'skipped', {});
    const timedOut = attemptOf(r1, 'timed-out', { ms: 5_000 }, { timeoutMs: 300 });
    const chatty = attemptOf(r1, 'market=LU/chatty', { q: 'shoes' });
    const huge = attemptOf(r2, 'huge', { n: 100_000 });
    await h.dispatch('echo', [echo1, echo2]);
    await h.dispatch('fail', [fatal, failed]);
    await h.dispatch('skip', [skipped]);
    await h.dispatch('sleep', [timedOut]);
    await h.dispatch('chatty', [chatty]);
    await h.dispatch('list', [huge]);

    const all = [echo1, echo2, fatal, failed, skipped, timedOut, chatty, huge];
    const [e1, e2, fa, fl, sk, to, ch, hu] = await h.finals(all.map((a) => a.attemptId));

    expect(e1!.outcome).toBe(AttemptOutcome.SUCCESS);
    expect(json(e1!.outputJson)).toEqual({ a: 1, list: [1, 2] });
    expect(json(e2!.outputJson)).toBe('two');
    expect(fa!.outcome).toBe(AttemptOutcome.FATAL);
    expect(fa!.error).toMatchObject({ message: 'bad input', type: 'FatalError', retryable: false });
    expect(fl!.outcome).toBe(AttemptOutcome.FAILED);
    expect(fl!.error).toMatchObject({ message: 'try again', type: 'Error', retryable: true });
    expect(sk!.outcome).toBe(AttemptOutcome.SKIPPED);
    expect(sk!.error?.message).toBe('skipped on purpose');
    expect(to!.outcome).toBe(AttemptOutcome.FAILED);
    expect(to!.error).toMatchObject({
      type: 'TimeoutError',
      retryable: true,
      message: 'attempt timed out after 300 ms',
    });
    expect(ch!.outcome).toBe(AttemptOutcome.SUCCESS);
    expect(json(ch!.outputJson)).toEqual({ seen: { q: 'shoes' }, taskId: 'market=LU/chatty' });
    expect(ch!.logs.map((l) => [l.level, l.message])).toEqual([
      ['info', 'hello from chatty'],
      ['warn', 'second line'],
    ]);
    expect(json(ch!.logs[0]!.fieldsJson)).toEqual({ market: 'LU', attempt: 1 });
    expect(ch!.logs[0]!.at).toBeDefined();
    expect(hu!.outcome).toBe(AttemptOutcome.FATAL);
    expect(hu!.error).toMatchObject({ type: 'OutputTooLargeError', retryable: false });
    expect(hu!.error?.message).toMatch(
      /^handler output is \d+ bytes of JSON, over the limit of 262144 bytes \(256 KiB\) set by TRIBUTARY_MAX_OUTPUT_BYTES/,
    );

    // Who and when, on every final result.
    for (const [result, executor] of [
      [e1, 'echo'],
      [fa, 'fail'],
      [sk, 'skip'],
      [to, 'sleep'],
      [ch, 'chatty'],
      [hu, 'list'],
    ] as const) {
      expect(result!.executor).toBe(executor);
      expect(result!.host).toBe('host-a');
      const started = epochMsFromTimestamp(result!.startedAt!);
      const finished = epochMsFromTimestamp(result!.finishedAt!);
      expect(started.ok && finished.ok && finished.ms >= started.ms).toBe(true);
    }
    const toStarted = epochMsFromTimestamp(to!.startedAt!);
    const toFinished = epochMsFromTimestamp(to!.finishedAt!);
    expect(toStarted.ok && toFinished.ok && toFinished.ms - toStarted.ms).toBeGreaterThanOrEqual(290);

    // The sleep ran long enough for its STARTED notice to go out on its own, before the final result.
    const started = h.startedOf(timedOut.attemptId)!;
    expect(started).toBeDefined();
    expect(started.host).toBe('host-a');
    expect(h.results().indexOf(started as never)).toBeLessThan(
      h
        .results()
        .findIndex((r) => r.attemptId === timedOut.attemptId && r.outcome !== AttemptOutcome.STARTED),
    );

    // One run per message, on that run's subject; final-only batches are deduped by their batch id.
    for (const received of h.received) {
      const runIds = new Set(received.batch.results.map((r) => r.runId));
      expect(runIds.size).toBe(1);
      expect(received.subject).toBe(h.subjects.result([...runIds][0]!));
      if (received.batch.results.every((r) => r.outcome !== AttemptOutcome.STARTED)) {
        expect(received.msgId).toBe(received.batch.batchId);
      } else {
        expect(received.msgId).toMatch(/^result-[0-9a-f]{64}$/);
        expect(received.msgId).not.toBe(received.batch.batchId);
      }
    }
    // Each result message continues the trace of its attempts' dispatch.
    for (const attempt of all) {
      const final = h
        .results()
        .find((r) => r.attemptId === attempt.attemptId && r.outcome !== AttemptOutcome.STARTED)!;
      expect(traceIdOf(final.traceparent)).toBe(traceIdOf(attempt.traceparent));
    }

    // Dispatches are acked once their results are stored: the work queue drains.
    await eventually(async () => expect(await h.tasksPending()).toEqual({ stored: 0, ackPending: 0 }));
  });

  it('hosts serving different executor names each receive only their own work', async () => {
    const a = await h.startHost('host-a', { executors: ['echo'] });
    const b = await h.startHost('host-b', { executors: ['noop'] });
    const run = runId();
    const echoes = [1, 2, 3].map((i) => attemptOf(run, `echo-${i}`, { value: i }));
    const noops = [1, 2, 3].map((i) => attemptOf(run, `noop-${i}`, {}));
    await h.dispatch('echo', echoes);
    await h.dispatch('noop', noops.slice(0, 2));
    await h.dispatch('noop', noops.slice(2));

    const echoResults = await h.finals(echoes.map((e) => e.attemptId));
    const noopResults = await h.finals(noops.map((e) => e.attemptId));
    expect(echoResults.map((r) => [r.host, r.executor, json(r.outputJson)])).toEqual([
      ['host-a', 'echo', 1],
      ['host-a', 'echo', 2],
      ['host-a', 'echo', 3],
    ]);
    expect(
      noopResults.every(
        (r) => r.host === 'host-b' && r.executor === 'noop' && r.outcome === AttemptOutcome.SUCCESS,
      ),
    ).toBe(true);
    expect(a.app.get(ExecutorService).stats).toMatchObject({ dispatches: 1, attempts: 3 });
    expect(b.app.get(ExecutorService).stats).toMatchObject({ dispatches: 2, attempts: 3 });

    // One durable per executor name, with that executor's subject as its only filter.
    const consumers = new Map<string, string | undefined>();
    for await (const c of h.jsm.consumers.list(h.streams.TASKS.name))
      consumers.set(c.name, c.config.filter_subject);
    expect(Object.fromEntries(consumers)).toEqual({
      'executor-echo': h.subjects.task('echo'),
      'executor-noop': h.subjects.task('noop'),
    });
  });

  it('refuses to start with an executor name that has no handler, listing the known ones', async () => {
    await expect(startExecutor(h.config('host-x'), { executors: ['echo', 'translate'] })).rejects.toThrow(
      /no handler for executor "translate" on this host; known handlers: echo \(builtin\), fail \(builtin\).*sleep \(builtin\)/,
    );
    await expect(startExecutor(h.config('host-x'), { handlers: ['./does-not-exist.mjs'] })).rejects.toThrow(
      /cannot load handler module "\.\/does-not-exist\.mjs"/,
    );
  });

  it('refuses to start with a malformed TRIBUTARY_HTTP_ALLOW, naming the entry', async () => {
    vi.stubEnv('TRIBUTARY_HTTP_ALLOW', '127.0.0.1,10.0.0.0/40');
    try {
      await expect(startExecutor(h.config('host-x'))).rejects.toThrow(
        'TRIBUTARY_HTTP_ALLOW: entry "10.0.0.0/40" is neither a CIDR (10.0.0.0/8, fd00::/8), an address nor a host name',
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
