import { describe, expect, it } from 'vitest';
import { FatalError } from '../task-errors.js';
import { handlerContext } from '../test-fixtures/handler-context.fixture.js';
import { sleepHandler } from './sleep.handler.js';

describe('sleep', () => {
  it('returns null after ms', async () => {
    const started = performance.now();
    expect(await sleepHandler.run(handlerContext({ input: { ms: 20 } }))).toBeNull();
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
  });

  it('accepts 0 ms', async () => {
    expect(await sleepHandler.run(handlerContext({ input: { ms: 0 } }))).toBeNull();
  });

  it('rejects promptly with an abort error when the signal aborts', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const sleeping = sleepHandler.run(handlerContext({ input: { ms: 10_000 }, signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('cancel')), 10);
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const signal = AbortSignal.abort();
    await expect(sleepHandler.run(handlerContext({ input: { ms: 10_000 }, signal }))).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it.each([
    [{ ms: 'x' }, 'sleep: input "ms" must be a number, got string "x"'],
    [{}, 'sleep: input "ms" is required (a number)'],
    [null, 'sleep: input "ms" is required (a number)'],
    [{ ms: -5 }, 'sleep: input "ms" must be a number >= 0, got -5'],
    [{ ms: 5, msec: 5 }, 'sleep: unknown input "msec" (expected: "ms")'],
    [[5], 'sleep: input must be an object, got an array'],
  ])('refuses %j with a FatalError', async (input, message) => {
    const run = Promise.resolve().then(() => sleepHandler.run(handlerContext({ input })));
    await expect(run).rejects.toBeInstanceOf(FatalError);
    await expect(run).rejects.toThrow(message);
  });
});
