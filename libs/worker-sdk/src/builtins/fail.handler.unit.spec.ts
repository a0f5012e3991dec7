import { describe, expect, it } from 'vitest';
import type { Json } from '../handler.js';
import { FatalError } from '../task-errors.js';
import { handlerContext } from '../test-fixtures/handler-context.fixture.js';
import { failHandler } from './fail.handler.js';

const fail = (input: Json) => Promise.resolve().then(() => failHandler.run(handlerContext({ input })));

describe('fail', () => {
  it('throws a retryable Error with the default message when enabled by default', async () => {
    const error = await fail({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(FatalError);
    expect(error).toMatchObject({ message: 'failed on purpose' });
    expect((error as { retryable?: boolean }).retryable).not.toBe(false);
  });

  it('uses the given message', async () => {
    await expect(fail({ message: 'boom' })).rejects.toThrow('boom');
  });

  it('throws a FatalError when fatal', async () => {
    const error = await fail({ fatal: true, message: 'no retry' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FatalError);
    expect(error).toMatchObject({ message: 'no retry', retryable: false });
  });

  it('returns null when not enabled', async () => {
    expect(await fail({ enabled: false, fatal: true })).toBeNull();
  });

  it('refuses a wrong type naming the field', async () => {
    await expect(fail({ enabled: 'yes' })).rejects.toThrow(
      'fail: input "enabled" must be a boolean, got string "yes"',
    );
    await expect(fail({ message: 3 })).rejects.toBeInstanceOf(FatalError);
  });
});
