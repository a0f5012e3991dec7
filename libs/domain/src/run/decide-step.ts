import type { DecideContext, Rejection } from './run-commands.js';
import type { AttemptPayload } from './attempt-payload.js';
import type { Emit } from './decide-emit.js';

/** What one command's decider works with: the decision's emit, the clock, and where dispatches and affected ids go. */
export interface DecideStep {
  readonly emit: Emit;
  readonly ctx: DecideContext;
  readonly dispatches: AttemptPayload[];
  affected?: string[];
}

/**
 * How a command's decider ended: refused (no events), `done` (its events say everything), or `cascade`
 * (settle what its events made decidable).
 */
export type StepOutcome = Rejection | 'done' | 'cascade';

export const refuse = (code: Rejection['code'], message: string): Rejection => ({ code, message });
