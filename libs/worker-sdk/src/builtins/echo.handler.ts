import { defineHandler, type Json } from '../handler.js';

/** `echo {value?}` → `value` when the key is present (even null), else the whole input. */
export const echoHandler = defineHandler({
  name: 'echo',
  description: 'Returns input.value when present, else the whole input.',
  run: ({ input }): Json => {
    if (
      typeof input === 'object' &&
      input !== null &&
      !Array.isArray(input) &&
      Object.hasOwn(input, 'value')
    ) {
      return input['value'] ?? null;
    }
    return input ?? null;
  },
});
