import { describe, expect, it } from 'vitest';
import { handlerContext } from '../test-fixtures/handler-context.fixture.js';
import { noopHandler } from './noop.handler.js';

describe('noop', () => {
  it('returns null whatever the input', async () => {
    expect(await noopHandler.run(handlerContext())).toBeNull();
    expect(await noopHandler.run(handlerContext({ input: { anything: [1, 2] } }))).toBeNull();
  });
});
