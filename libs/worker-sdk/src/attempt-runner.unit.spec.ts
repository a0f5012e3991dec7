import { describe, expect, it } from 'vitest';
import { runAttempt } from './attempt-runner.js';
import type { HandlerContext } from './handler.js';
import { FatalError, SkipTask } from './task-errors.js';
import { expectFailed, handler } from './test-fixtures/attempt-runner.fixture.js';
import { attemptRequest } from './test-fixtures/handler-context.fixture.js';

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
});
