import { defineHandler, type Json } from '../handler.js';
import { FatalError } from '../task-errors.js';
import { BuiltinInput } from './builtin-input.js';

/** Guards the host's memory; the planner's maxMapLength (default 10 000) is the real limit for mapping. */
export const MAX_LIST_LENGTH = 1_000_000;

/** `list {n}` → `[0..n-1]`; `list {items}` → items (exactly one of the two). */
export const listHandler = defineHandler({
  name: 'list',
  description: 'Returns [0..n-1] for input.n, or input.items as given.',
  run: ({ input }): Json[] => {
    const fields = new BuiltinInput('list', input, ['n', 'items']);
    if (fields.has('n') && fields.has('items')) {
      throw new FatalError('list: give either "n" or "items", not both');
    }
    const items = fields.optionalArray('items');
    if (items !== undefined) return items;
    if (!fields.has('n')) {
      throw new FatalError('list: input "n" (a non-negative integer) or "items" (an array) is required');
    }
    const n = fields.requiredNumber('n', { min: 0, max: MAX_LIST_LENGTH, integer: true });
    return Array.from({ length: n }, (_, index) => index);
  },
});
