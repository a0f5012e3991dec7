import { describe, expect, it } from 'vitest';
import { runAttempt } from './attempt-runner.js';
import type { HandlerContext } from './handler.js';
import { expectFailed, handler } from './test-fixtures/attempt-runner.fixture.js';
import { attemptRequest } from './test-fixtures/handler-context.fixture.js';

describe('runAttempt: timeouts and cancellation', () => {
  it('times out a handler that ignores its signal, at the timeout', async () => {
    let signal: AbortSignal | undefined;
    const started = performance.now();
    const outcome = await runAttempt(
      handler((ctx) => {
        signal = ctx.signal;
        return new Promise(() => {}); // never settles, never looks at the signal
      }),
      attemptRequest({ timeoutMs: 30 }),
    );
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(expectFailed(outcome)).toMatchObject({
      type: 'TimeoutError',
      retryable: true,
      message: 'attempt timed out after 30 ms',
    });
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toMatchObject({ name: 'TimeoutError' });
  });

  it('tells the host when a handler outlives its attempt, and when it finally returns', async () => {
    let finishLate: () => void = () => undefined;
    let stillRunning: Promise<void> | undefined;
    const outcome = await runAttempt(
      handler(() => new Promise<string>((resolve) => (finishLate = () => resolve('late')))),
      attemptRequest({ timeoutMs: 20 }),
      { onStillRunning: (settled) => (stillRunning = settled) },
    );
    expect(expectFailed(outcome).type).toBe('TimeoutError');
    expect(stillRunning).toBeDefined();
    let done = false;
    void stillRunning!.then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false);
    finishLate();
    await stillRunning;
    expect(done).toBe(true);
  });

  it('does not call onStillRunning for a handler that honours its signal or ends in time', async () => {
    const calls: unknown[] = [];
    await runAttempt(
      handler(async () => 'quick'),
      attemptRequest({ timeoutMs: 1_000 }),
      {
        onStillRunning: (p) => calls.push(p),
      },
    );
    await runAttempt(
      handler(
        (ctx) =>
          new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
      ),
      attemptRequest({ timeoutMs: 10 }),
      { onStillRunning: (p) => calls.push(p) },
    );
    expect(calls).toEqual([]);
  });

  it('reports a timeout (not the AbortError) when the handler honours its signal', async () => {
    const outcome = await runAttempt(
      handler(
        (ctx) =>
          new Promise((_, reject) =>
            ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))),
          ),
      ),
      attemptRequest({ timeoutMs: 10 }),
    );
    expect(expectFailed(outcome)).toMatchObject({ type: 'TimeoutError', retryable: true });
  });

  it('reports an external cancel as CancelledError without retry', async () => {
    const controller = new AbortController();
    let signal: AbortSignal | undefined;
    const pending = runAttempt(
      handler((ctx) => {
        signal = ctx.signal;
        return new Promise(() => {});
      }),
      attemptRequest({ timeoutMs: 5_000 }),
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort('run cancelled by alice'), 10);
    const error = expectFailed(await pending);
    expect(error).toMatchObject({
      type: 'CancelledError',
      retryable: false,
      message: 'attempt cancelled: run cancelled by alice',
    });
    expect(signal?.reason).toMatchObject({ name: 'CancelledError' });
  });

  it('does not run the handler when already cancelled', async () => {
    let ran = false;
    const outcome = await runAttempt(
      handler(() => {
        ran = true;
      }),
      attemptRequest(),
      { signal: AbortSignal.abort() },
    );
    expect(ran).toBe(false);
    expect(expectFailed(outcome)).toMatchObject({
      type: 'CancelledError',
      retryable: false,
      message: 'attempt cancelled',
    });
  });

  it('ignores what a timed-out handler logs or returns afterwards', async () => {
    let log: HandlerContext['log'] | undefined;
    const outcome = await runAttempt(
      handler(async (ctx) => {
        log = ctx.log;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return 'late';
      }),
      attemptRequest({ timeoutMs: 10 }),
    );
    log?.info('after the end');
    expect(outcome.outcome).toBe('failed');
    expect(outcome.logs).toEqual([]);
  });

  it('clears its timer and listener when the handler finishes first', async () => {
    const controller = new AbortController();
    let signal: AbortSignal | undefined;
    const outcome = await runAttempt(
      handler((ctx) => {
        signal = ctx.signal;
        return 1;
      }),
      attemptRequest({ timeoutMs: 20 }),
      { signal: controller.signal },
    );
    controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(outcome).toMatchObject({ outcome: 'success', output: 1 });
    expect(signal?.aborted).toBe(false);
  });
});
