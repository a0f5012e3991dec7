import { describe, expect, it } from 'vitest';
import type { Json } from '../handler.js';
import { FatalError, SkipTask } from '../task-errors.js';
import { handlerContext } from '../test-fixtures/handler-context.fixture.js';
import { skipHandler } from './skip.handler.js';

const skip = (input: Json) => Promise.resolve().then(() => skipHandler.run(handlerContext({ input })));

describe('skip', () => {
  it('throws SkipTask by default', async () => {
    await expect(skip(null)).rejects.toBeInstanceOf(SkipTask);
    await expect(skip({ enabled: true })).rejects.toBeInstanceOf(SkipTask);
  });

  it('returns null when not enabled', async () => {
    expect(await skip({ enabled: false })).toBeNull();
  });

  it('refuses a non-boolean enabled', async () => {
    await expect(skip({ enabled: 1 })).rejects.toBeInstanceOf(FatalError);
  });
});
