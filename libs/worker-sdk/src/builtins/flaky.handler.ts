import { defineHandler } from '../handler.js';
import { BuiltinInput } from './builtin-input.js';

/** `flaky {failures}`: fails (retryably) while `ctx.attempt <= failures`, then returns the attempt number. */
export const flakyHandler = defineHandler({
  name: 'flaky',
  description: 'Fails the first input.failures attempts, then returns the attempt number.',
  run: ({ input, attempt, log }) => {
    const failures = new BuiltinInput('flaky', input, ['failures']).requiredNumber('failures', {
      min: 0,
      integer: true,
    });
    if (attempt <= failures) {
      // A line in the task log says why, as a real handler would before failing.
      log.warn(`attempt ${attempt}: failing on purpose (the first ${failures} attempts fail)`, { attempt, failures });
      throw new Error(`flaky: failing attempt ${attempt} of the first ${failures}`);
    }
    return attempt;
  },
});
