import { setTimeout as delay } from 'node:timers/promises';
import { defineHandler } from '../handler.js';
import { BuiltinInput } from './builtin-input.js';

// Node timers fire at once (with a warning) past 2^31-1 ms, so longer sleeps wait in chunks.
const MAX_TIMER_MS = 2_147_483_647;

/** `sleep {ms}` → null after `ms`; rejects with an AbortError as soon as ctx.signal aborts. */
export const sleepHandler = defineHandler({
  name: 'sleep',
  description: 'Waits input.ms milliseconds, then returns null.',
  run: async ({ input, signal }) => {
    const ms = new BuiltinInput('sleep', input, ['ms']).requiredNumber('ms', { min: 0 });
    let remaining = ms;
    do {
      const step = Math.min(remaining, MAX_TIMER_MS);
      await delay(step, undefined, { signal });
      remaining -= step;
    } while (remaining > 0);
    return null;
  },
});
