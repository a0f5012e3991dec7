import { describe, expect, it } from 'vitest';
import type { Json } from '../handler.js';
import { FatalError } from '../task-errors.js';
import { handlerContext } from '../test-fixtures/handler-context.fixture.js';
import { listHandler } from './list.handler.js';

const list = (input: Json) => Promise.resolve().then(() => listHandler.run(handlerContext({ input })));

describe('list', () => {
  it('returns [0..n-1] for n', async () => {
    expect(await list({ n: 4 })).toEqual([0, 1, 2, 3]);
    expect(await list({ n: 0 })).toEqual([]);
  });

  it('returns items as given', async () => {
    expect(await list({ items: ['LU', { m: 'PT' }, 3] })).toEqual(['LU', { m: 'PT' }, 3]);
    expect(await list({ items: [] })).toEqual([]);
  });

  it.each([
    [{}, 'list: input "n" (a non-negative integer) or "items" (an array) is required'],
    [{ n: 2, items: [1] }, 'list: give either "n" or "items", not both'],
    [{ n: '3' }, 'list: input "n" must be an integer, got string "3"'],
    [{ n: -1 }, 'list: input "n" must be an integer >= 0, got -1'],
    [{ n: 2.5 }, 'list: input "n" must be an integer, got number 2.5'],
    [{ items: 'abc' }, 'list: input "items" must be an array, got string "abc"'],
  ])('refuses %j with a FatalError', async (input, message) => {
    const run = list(input);
    await expect(run).rejects.toBeInstanceOf(FatalError);
    await expect(run).rejects.toThrow(message);
  });
});
