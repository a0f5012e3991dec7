import { planClear, TASK_STATES, commandActorProblem } from '@tributary/domain';
import type { OperatorCommand, OperatorReply } from '@tributary/runtime';
import type { DecisionEngine } from './decision-engine.js';

const OPERATOR_TYPES = new Set(['ClearTaskInstances', 'MarkTaskInstance', 'CancelRun']);

/**
 * Validates and applies an operator command through the same decision path as everything else,
 * and answers synchronously (NATS request/reply) so the caller sees a refusal at once. The reply
 * names the task instances the command affected; a dry-run clear names those it would reset.
 */
export class ControlHandler {
  constructor(private readonly engine: DecisionEngine) {}

  /** `command` as decoded from the wire (operator-command-wire.ts): typed, but not yet validated. */
  async handle(command: OperatorCommand): Promise<OperatorReply> {
    const problem = validate(command);
    if (problem) return { ok: false, error: { code: 'invalid_request', message: problem } };
    if (command.type === 'ClearTaskInstances' && command.dryRun === true) {
      const { dryRun: _, ...clear } = command;
      const plan = await this.engine.inspect(command.runId, (state) => {
        const planned = planClear(state, clear);
        return 'instances' in planned ? { taskIds: planned.instances.map((r) => r.taskId) } : planned;
      });
      if (plan === null)
        return {
          ok: false,
          error: { code: 'run_not_started', message: `run ${command.runId} does not exist` },
        };
      if ('code' in plan) return { ok: false, error: plan };
      return { ok: true, taskIds: plan.taskIds };
    }
    const [outcome] = await this.engine.execute([
      { runId: command.runId, commands: [{ command }], actor: command.actor },
    ]);
    const rejection = outcome!.rejections[0];
    if (rejection) return { ok: false, error: rejection };
    return { ok: true, taskIds: outcome!.affected };
  }
}

function validate(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return 'expected an operator command';
  const c = raw as Record<string, unknown>;
  if (typeof c.type !== 'string' || !OPERATOR_TYPES.has(c.type))
    return `type must be one of ${[...OPERATOR_TYPES].join(', ')}`;
  for (const key of ['runId', 'actor'])
    if (typeof c[key] !== 'string' || c[key] === '') return `${key} must be a non-empty string`;
  // Only the api publishes operator commands (NATS permissions): the actor is its caller's token name.
  const actorIssue = commandActorProblem(c.actor as string, 'operator command');
  if (actorIssue) return actorIssue;
  // The reason is optional for clear and mark (recorded when given), required to cancel a run.
  if (c.type === 'CancelRun' || c.reason !== undefined)
    if (typeof c.reason !== 'string' || c.reason === '') return 'reason must be a non-empty string';
  if (c.type === 'ClearTaskInstances') {
    if (!Array.isArray(c.taskIds) || c.taskIds.length === 0 || !c.taskIds.every((t) => typeof t === 'string'))
      return 'taskIds must be a non-empty list of task selectors';
    if (typeof c.downstream !== 'boolean' || typeof c.onlyFailed !== 'boolean')
      return 'downstream and onlyFailed must be booleans';
    if (c.dryRun !== undefined && typeof c.dryRun !== 'boolean') return 'dryRun must be a boolean';
    const states: readonly string[] = TASK_STATES;
    if (
      c.states !== undefined &&
      c.states !== null &&
      (!Array.isArray(c.states) || !c.states.every((s) => typeof s === 'string' && states.includes(s)))
    )
      return `states must be a list of task states (${TASK_STATES.join(', ')})`;
  }
  if (c.type === 'MarkTaskInstance') {
    if (typeof c.taskId !== 'string') return 'taskId must be a string';
    if (!['success', 'failed', 'skipped'].includes(c.state as string))
      return 'state must be success, failed or skipped';
  }
  return null;
}
