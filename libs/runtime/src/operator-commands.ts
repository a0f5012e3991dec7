import type { NatsConnection } from '@nats-io/transport-node';
import type { RunCommand } from '@tributary/domain';
import { subjects } from '@tributary/events';

/**
 * Operator commands (clear, mark, cancel) travel from the api to the planner as NATS request/reply
 * on `subjects(prefix).control(runId)` (queue group `planner`): the planner stays the only writer of
 * task-instance state, and the operator gets its answer (or the domain's refusal) synchronously.
 */

/**
 * The run commands an operator may send (the domain's own types: clear, mark, cancel, each with actor
 * and, when given, reason). A clear with `dryRun` is resolved against the run's current state like the
 * real one and changes nothing.
 */
export type OperatorCommand =
  | (Extract<RunCommand, { type: 'ClearTaskInstances' }> & { dryRun?: boolean })
  | Extract<RunCommand, { type: 'MarkTaskInstance' | 'CancelRun' }>;

/** `taskIds`: the instances the command reset, marked or cancelled (for a dry run: would reset). */
export type OperatorReply =
  { ok: true; taskIds: string[] } | { ok: false; error: { code: string; message: string } };

/** Sends a command to whichever planner answers; `no_planner` when none does in time. */
export async function sendOperatorCommand(
  nc: NatsConnection,
  prefix: string,
  command: OperatorCommand,
  timeoutMs = 10_000,
): Promise<OperatorReply> {
  const subject = subjects(prefix).control(command.runId);
  try {
    const reply = await nc.request(subject, JSON.stringify(command), {
      timeout: timeoutMs,
    });
    return reply.json<OperatorReply>();
  } catch (error) {
    return {
      ok: false,
      error: {
        code: 'no_planner',
        message: `no planner answered on ${subject}: ${(error as Error).message}`,
      },
    };
  }
}
