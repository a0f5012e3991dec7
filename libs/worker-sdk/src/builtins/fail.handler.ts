import { defineHandler } from '../handler.js';
import { FatalError } from '../task-errors.js';
import { BuiltinInput } from './builtin-input.js';

/**
 * `fail {enabled=true, message?, fatal=false}`: throws when enabled — a
 * FatalError (no retry) when `fatal`, else a retryable Error — and returns null otherwise.
 */
export const failHandler = defineHandler({
  name: 'fail',
  description: 'Fails on purpose (fatal: without retry) unless enabled is false.',
  run: ({ input }) => {
    const fields = new BuiltinInput('fail', input, ['enabled', 'message', 'fatal']);
    const enabled = fields.boolean('enabled', true);
    const message = fields.optionalString('message') ?? 'failed on purpose';
    const fatal = fields.boolean('fatal', false);
    if (!enabled) return null;
    throw fatal ? new FatalError(message) : new Error(message);
  },
});
