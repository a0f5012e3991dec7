import { defineHandler } from '../handler.js';
import { SkipTask } from '../task-errors.js';
import { BuiltinInput } from './builtin-input.js';

/** `skip {enabled=true}`: ends the attempt `skipped` when enabled, else returns null. */
export const skipHandler = defineHandler({
  name: 'skip',
  description: 'Skips the task unless enabled is false.',
  run: ({ input }) => {
    const enabled = new BuiltinInput('skip', input, ['enabled']).boolean('enabled', true);
    if (enabled) throw new SkipTask('skipped on purpose');
    return null;
  },
});
