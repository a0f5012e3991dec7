import { describe, expect, it } from 'vitest';
import type { Json } from '../handler.js';
import { FatalError } from '../task-errors.js';
import { handlerContext } from '../test-fixtures/handler-context.fixture.js';
import { flakyHandler } from './flaky.handler.js';

const flaky = (input: Json, attempt: number) =>
  Promise.resolve().then(() => flakyHandler.run(handlerContext({ input, attempt })));

describe('flaky', () => {
  it('fails attempts 1..failures, then returns the attempt number', async () => {
    await expect(flaky({ failures: 2 }, 1)).rejects.toThrow('flaky: failing attempt 1 of the first 2');
    await expect(flaky({ failures: 2 }, 2)).rejects.toThrow('flaky: failing attempt 2');
    expect(await flaky({ failures: 2 }, 3)).toBe(3);
  });

  it('fails retryably (not a FatalError)', async () => {
    const error = await flaky({ failures: 1 }, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(FatalError);
  });

  it('succeeds on the first attempt with failures 0', async () => {
    expect(await flaky({ failures: 0 }, 1)).toBe(1);
  });

  it('refuses a missing or fractional failures', async () => {
    await expect(flaky({}, 1)).rejects.toThrow('flaky: input "failures" is required (an integer)');
    await expect(flaky({ failures: 1.5 }, 1)).rejects.toThrow('must be an integer, got number 1.5');
  });
});
