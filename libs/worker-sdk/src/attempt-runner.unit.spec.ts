import { textProblem } from '@tributary/domain';
import { describe, expect, it } from 'vitest';
import { runAttempt, type AttemptOutcome } from './attempt-runner.js';
import { defineHandler, type HandlerContext, type HandlerDefinition } from './handler.js';
import { FatalError, SkipTask } from './task-errors.js';
import { attemptRequest } from './test-fixtures/handler-context.fixture.js';

const handler = (run: HandlerDefinition['run']): HandlerDefinition => defineHandler({ name: 'test', run });

function expectFailed(outcome: AttemptOutcome) {
  expect(outcome.outcome).toBe('failed');
  if (outcome.outcome !== 'failed') throw new Error('unreachable');
  return outcome.error;
}

describe('runAttempt', () => {
  it('reports the returned value as success and passes the request into ctx', async () => {
    let seen: HandlerContext | undefined;
    let t = 100;
    const outcome = await runAttempt(
      handler((ctx) => {
        seen = ctx;
        return { doubled: (ctx.item as number) * 2 };
      }),
      attemptRequest({ input: { a: 1 }, item: 21, mapIndex: 3, attempt: 2, upstream: { generate: ['q'] } }),
      { now: () => t++ },
    );
    expect(outcome).toEqual({
      outcome: 'success',
      output: { doubled: 42 },
      startedAt: 100,
      finishedAt: 101,
      logs: [],
    });
    expect(seen).toMatchObject({
      input: { a: 1 },
      params: { markets: ['LU'] },
      group: { key: 'market', value: 'LU', path: 'market=LU', parent: null },
      upstream: { generate: ['q'] },
      item: 21,
      mapIndex: 3,
      attempt: 2,
      runId: 'run-1',
      taskId: 'market=LU/step',
      attemptId: 'run-1/market=LU/step#2',
    });
    expect(seen?.signal.aborted).toBe(false);
  });

  it('defaults the optional request fields', async () => {
    let seen: HandlerContext | undefined;
    await runAttempt(
      handler((ctx) => {
        seen = ctx;
      }),
      { runId: 'r', taskId: 't', attemptId: 'r/t#1', attempt: 1 },
    );
    expect(seen).toMatchObject({
      input: null,
      params: null,
      group: null,
      upstream: {},
      item: null,
      mapIndex: null,
    });
  });

  it('turns undefined into null', async () => {
    const outcome = await runAttempt(
      handler(async () => undefined),
      attemptRequest(),
    );
    expect(outcome).toMatchObject({ outcome: 'success', output: null });
  });

  it('reports SkipTask as skipped with its reason', async () => {
    const outcome = await runAttempt(
      handler(() => {
        throw new SkipTask('nothing to do for LU');
      }),
      attemptRequest(),
    );
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'nothing to do for LU' });
  });

  it('recognises a SkipTask from another copy of the SDK by name', async () => {
    const foreign = Object.assign(new Error('foreign skip'), { name: 'SkipTask' });
    const outcome = await runAttempt(
      handler(() => Promise.reject(foreign)),
      attemptRequest(),
    );
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'foreign skip' });
  });

  it('reports FatalError as failed without retry', async () => {
    const outcome = await runAttempt(
      handler(() => {
        throw new FatalError('bad market code');
      }),
      attemptRequest(),
    );
    expect(expectFailed(outcome)).toMatchObject({
      message: 'bad market code',
      type: 'FatalError',
      retryable: false,
    });
  });

  it('reports any other error as retryable, typed by its name', async () => {
    const outcome = await runAttempt(
      handler(async () => {
        throw new RangeError('out of range');
      }),
      attemptRequest(),
    );
    const error = expectFailed(outcome);
    expect(error).toMatchObject({ message: 'out of range', type: 'RangeError', retryable: true });
    expect(error.stack).toContain('RangeError');
  });

  it('respects retryable: false on an error and carries its details', async () => {
    class QuotaError extends Error {
      override name = 'QuotaError';
      retryable = false;
      details = { quota: 'monthly' };
    }
    const outcome = await runAttempt(
      handler(() => {
        throw new QuotaError('quota exhausted');
      }),
      attemptRequest(),
    );
    expect(expectFailed(outcome)).toMatchObject({
      type: 'QuotaError',
      retryable: false,
      details: { quota: 'monthly' },
    });
  });

  it('handles non-Error throws', async () => {
    const outcome = await runAttempt(
      handler(() => {
        throw 'just a string';
      }),
      attemptRequest(),
    );
    expect(expectFailed(outcome)).toEqual({ message: 'just a string', type: 'Error', retryable: true });
  });

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

  it.each([
    ['a BigInt', () => ({ total: 10n }), 'output.total is a BigInt'],
    [
      'a cycle',
      () => {
        const node: Record<string, unknown> = {};
        node['me'] = node;
        return node;
      },
      'output.me is a circular reference',
    ],
  ])('fails without retry on non-JSON output (%s)', async (_label, make, problem) => {
    const outcome = await runAttempt(handler(make as HandlerDefinition['run']), attemptRequest());
    const error = expectFailed(outcome);
    expect(error).toMatchObject({ type: 'OutputError', retryable: false });
    expect(error.message).toContain('not JSON-serialisable');
    expect(error.message).toContain(problem);
  });

  it.each([
    [
      'a NUL character',
      () => ({ items: ['a', 'b', 'c', 'x\u0000y'] }),
      'output/items/3: string contains the NUL character (\\u0000) at index 1',
    ],
    [
      'a lone surrogate',
      () => ({ name: 'ab\ud800' }),
      'output/name: string contains an unpaired UTF-16 surrogate (\\ud800) at index 2',
    ],
    [
      'a NUL in a key',
      () => ({ ['k\u0000']: 1 }),
      'output/k\ufffd: key contains the NUL character (\\u0000) at index 1',
    ],
    [
      'a prototype key',
      () => JSON.parse('{"ok": {"__proto__": 1}}'),
      'output/ok/__proto__: the key "__proto__" is not allowed',
    ],
    [
      '65 levels of nesting',
      () => JSON.parse('['.repeat(65) + ']'.repeat(65)),
      'nested deeper than 64 levels',
    ],
  ])(
    'fails without retry, naming the path, on output Postgres cannot store (%s)',
    async (_label, make, problem) => {
      const outcome = await runAttempt(handler(make as HandlerDefinition['run']), attemptRequest());
      const error = expectFailed(outcome);
      expect(error).toMatchObject({ type: 'OutputError', retryable: false });
      expect(error.message).toContain(problem);
      expect(textProblem(error.message)).toBeNull();
    },
  );

  it('repairs error messages, types, stacks, details, skip reasons and log lines instead of losing them', async () => {
    class OddError extends Error {
      override readonly name = 'Odd\u0000Error';
      readonly details = { body: 'bad\u0000byte', deep: JSON.parse('{"__proto__": 1}') };
    }
    const failed = await runAttempt(
      handler((ctx) => {
        ctx.log.info('line with \u0000 and \udc00', { raw: 'x\u0000', ['k\ud800']: 1 });
        ctx.log.warn('proto fields', JSON.parse('{"__proto__": {"a": 1}}'));
        throw new OddError('message \u0000 here');
      }),
      attemptRequest(),
    );
    const error = expectFailed(failed);
    expect(error.message).toBe('message \ufffd here');
    expect(error.type).toBe('Odd\ufffdError');
    expect(error.stack).not.toContain('\u0000');
    expect(error.details).toEqual({ detailsError: expect.stringContaining('details/deep/__proto__') });
    expect(failed.logs[0]).toMatchObject({
      message: 'line with \ufffd and \ufffd',
      fields: { raw: 'x\ufffd', ['k\ufffd']: 1 },
    });
    expect(failed.logs[1]!.fields).toEqual({
      fieldsError: expect.stringMatching(/^fields\/__proto__: the key "__proto__" is not allowed/),
    });

    const skipped = await runAttempt(
      handler(() => {
        throw new SkipTask('nothing \u0000 to do');
      }),
      attemptRequest(),
    );
    expect(skipped).toMatchObject({ outcome: 'skipped', reason: 'nothing \ufffd to do' });
  });

  it('captures log lines into the outcome, even when the attempt fails', async () => {
    const outcome = await runAttempt(
      handler((ctx) => {
        ctx.log.info('starting', { market: 'LU' });
        ctx.log.error('giving up');
        throw new Error('nope');
      }),
      attemptRequest(),
      { now: () => 5 },
    );
    expect(outcome.logs).toEqual([
      { at: 5, level: 'info', message: 'starting', fields: { market: 'LU' } },
      { at: 5, level: 'error', message: 'giving up', fields: {} },
    ]);
  });

  it('truncates a chatty attempt with a final "log truncated" line', async () => {
    const outcome = await runAttempt(
      handler((ctx) => {
        for (let i = 0; i < 5_000; i++) ctx.log.debug(`line ${i}`);
        return 'done';
      }),
      attemptRequest(),
    );
    expect(outcome.outcome).toBe('success');
    expect(outcome.logs).toHaveLength(1001);
    expect(outcome.logs.at(-1)).toMatchObject({ level: 'warn', fields: { droppedLines: 4_000 } });
    expect(outcome.logs.at(-1)?.message).toMatch(/^log truncated/);
  });

  it('truncates by bytes at 64 KiB', async () => {
    const outcome = await runAttempt(
      handler((ctx) => {
        for (let i = 0; i < 200; i++) ctx.log.info('y'.repeat(1_000));
      }),
      attemptRequest(),
    );
    const kept = outcome.logs.slice(0, -1);
    expect(kept.reduce((sum, line) => sum + line.message.length, 0)).toBeLessThanOrEqual(64 * 1024);
    expect(kept.length).toBe(65);
    expect(outcome.logs.at(-1)?.message).toBe(
      'log truncated: 135 more line(s) (135000 bytes) dropped over the limit of 1000 lines / 65536 bytes per attempt',
    );
    expect(outcome.logs.at(-1)?.fields).toEqual({
      maxLines: 1000,
      maxBytes: 65536,
      droppedLines: 135,
      droppedBytes: 135_000,
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
