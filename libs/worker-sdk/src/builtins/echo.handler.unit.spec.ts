import { describe, expect, it } from 'vitest';
import type { Json } from '../handler.js';
import { handlerContext } from '../test-fixtures/handler-context.fixture.js';
import { echoHandler } from './echo.handler.js';

const echo = (input: Json) => echoHandler.run(handlerContext({ input }));

describe('echo', () => {
  it('returns input.value when the key is present', async () => {
    expect(await echo({ value: { queries: ['a', 'b'] } })).toEqual({ queries: ['a', 'b'] });
    expect(await echo({ value: 0 })).toBe(0);
  });

  it('returns a present null value as null, not the whole input', async () => {
    expect(await echo({ value: null, other: 1 })).toBeNull();
  });

  it('returns the whole input without a value key', async () => {
    expect(await echo({ a: 1, b: [true] })).toEqual({ a: 1, b: [true] });
    expect(await echo([1, 2])).toEqual([1, 2]);
    expect(await echo('text')).toBe('text');
    expect(await echo(null)).toBeNull();
  });
});
