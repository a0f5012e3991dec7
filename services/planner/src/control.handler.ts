import type { OperatorCommand, OperatorReply } from '@tributary/runtime';
import type { DecisionEngine } from './decision-engine.js';

const OPERATOR_TYPES = new Set(['ClearTaskInstances', 'MarkTaskInstance', 'CancelRun']);

/**
 * Validates and applies an operator command through the same decision path as everything else,
 * and answers synchronously (NATS request/reply) so the caller sees a refusal at once.
 */
export class ControlHandler {
  constructor(private readonly engine: DecisionEngine) {}

  async handle(raw: unknown): Promise<OperatorReply> {
    const problem = validate(raw);
    if (problem) return { ok: false, error: { code: 'invalid_request', message: problem } };
    const command = raw as OperatorCommand;
    const [outcome] = await this.engine.execute([
      { runId: command.runId, commands: [{ command }], actor: command.actor },
    ]);
    const rejection = outcome!.rejections[0];
    if (rejection) return { ok: false, error: rejection };
    const eventTypes: Record<string, number> = {};
    for (const e of outcome!.events) eventTypes[e.type] = (eventTypes[e.type] ?? 0) + 1;
    return { ok: true, events: outcome!.events.length, eventTypes };
  }
}

function validate(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return 'expected a JSON object';
  const c = raw as Record<string, unknown>;
  if (typeof c.type !== 'string' || !OPERATOR_TYPES.has(c.type))
    return `type must be one of ${[...OPERATOR_TYPES].join(', ')}`;
  for (const key of ['runId', 'actor', 'reason'])
    if (typeof c[key] !== 'string' || c[key] === '') return `${key} must be a non-empty string`;
  if (c.type === 'ClearTaskInstances') {
    if (!Array.isArray(c.taskIds) || c.taskIds.length === 0 || !c.taskIds.every((t) => typeof t === 'string'))
      return 'taskIds must be a non-empty list of task ids';
    if (typeof c.downstream !== 'boolean' || typeof c.onlyFailed !== 'boolean')
      return 'downstream and onlyFailed must be booleans';
  }
  if (c.type === 'MarkTaskInstance') {
    if (typeof c.taskId !== 'string') return 'taskId must be a string';
    if (!['success', 'failed', 'skipped'].includes(c.state as string))
      return 'state must be success, failed or skipped';
  }
  return null;
}
