import { defineHandler } from '../handler.js';

/** `noop` → null. Accepts any input (pipelines use it as a placeholder). */
export const noopHandler = defineHandler({
  name: 'noop',
  description: 'Does nothing and returns null.',
  run: () => null,
});
