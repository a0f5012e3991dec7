import type { NatsConnection } from '@nats-io/transport-node';
import type { RunCommand } from '@tributary/domain';
import { subjects } from '@tributary/events';
import { decodeOperatorReply, encodeOperatorCommand } from './operator-command-wire.js';

/**
 * Operator commands (clear, mark, cancel) travel from the api to the planner as NATS request/reply
 * on `subjects(prefix).control(runId)` (queue group `planner`), in protobuf (operator-command-wire.ts):
 * the planner stays the only writer of task-instance state, and the operator gets its answer (or the
 * domain's refusal) synchronously.
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

/**
 * Sends a command to whichever planner answers; `no_planner` when none does in time, `invalid_reply`
 * when the answer is not an OperatorCommandReply.
 */
export async function sendOperatorCommand(
  nc: NatsConnection,
  prefix: string,
  command: OperatorCommand,
  timeoutMs = 10_000,
): Promise<OperatorReply> {
  const subject = subjects(prefix).control(command.runId);
  let data: Uint8Array;
  try {
    data = (await nc.request(subject, encodeOperatorCommand(command), { timeout: timeoutMs })).data;
  } catch (error) {
    return {
      ok: false,
      error: {
        code: 'no_planner',
        message: `no planner answered on ${subject}: ${(error as Error).message}`,
      },
    };
  }
  const decoded = decodeOperatorReply(data);
  if (decoded.ok) return decoded.reply;
  return {
    ok: false,
    error: {
      code: 'invalid_reply',
      message: `the planner's reply on ${subject} is unreadable: ${decoded.message}`,
    },
  };
}
