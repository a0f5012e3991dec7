import { expect } from 'vitest';
import type { CompiledPlan } from '../spec/compiled-plan.js';
import type { RejectionCode, RunCommand } from './run-commands.js';
import type { RunEvent } from './run-events.js';
import { initialRunState } from './run-state.js';
import { evolve } from './run-evolve.js';
import { decide, type Decision } from './run-decide.js';

// The decider as Emmett's DeciderSpecification reads it: given the events so far, when a command,
// then exactly these events (or a refusal). Every expectation names whole events, not counts.

export const NOW = 1_700_000_000_000;
export const RUN = 'run-1';

/** given(events).when(command).then(events) | .thenRefused(code), over one compiled plan. */
export function specificationFor(plan: CompiledPlan) {
  return {
    given(history: readonly RunEvent[]) {
      return {
        when(command: RunCommand, now: number = NOW) {
          const state = initialRunState(plan);
          for (const event of history) evolve(state, event);
          const decision = decide(state, command, { now, random: () => 0.5 });
          return {
            then(expected: readonly RunEvent[]): Decision {
              expect(decision.rejection).toBeNull();
              expect(decision.events).toStrictEqual(expected);
              return decision;
            },
            thenRefused(code: RejectionCode): void {
              expect(decision.events).toStrictEqual([]);
              expect(decision.rejection?.code).toBe(code);
            },
          };
        },
      };
    },
  };
}

export const accepted = (
  pipelineId: string,
  params: Record<string, unknown> = {},
  via: 'planner' | 'fan-in' = 'planner',
) =>
  ({
    type: 'TriggerAccepted',
    runId: RUN,
    pipelineId,
    version: 1,
    params: params as never,
    idempotencyKey: null,
    actor: 'alice',
    consolidationVia: via,
    at: NOW,
  }) as const;

export const FATAL = { message: 'bad input', type: 'FatalError', retryable: false };
export const BOOM = { message: 'boom', type: 'Error', retryable: true };
