/** What the attempt-runner specs share: a handler from a bare run function, and the error of a failed outcome. */
import { expect } from 'vitest';
import type { AttemptOutcome } from '../attempt-runner.js';
import { defineHandler, type HandlerDefinition } from '../handler.js';

export const handler = (run: HandlerDefinition['run']): HandlerDefinition =>
  defineHandler({ name: 'test', run });

export function expectFailed(outcome: AttemptOutcome) {
  expect(outcome.outcome).toBe('failed');
  if (outcome.outcome !== 'failed') throw new Error('unreachable');
  return outcome.error;
}
