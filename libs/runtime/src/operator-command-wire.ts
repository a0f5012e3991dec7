import { TASK_STATES, type TaskState as DomainTaskState } from '@tributary/domain';
import {
  decodeOperatorCommandReply,
  decodeOperatorCommandRequest,
  encodeOperatorCommandReply,
  encodeOperatorCommandRequest,
  TaskState,
} from '@tributary/events';
import type { OperatorCommand, OperatorReply } from './operator-commands.js';

/**
 * The protobuf form of operator commands and replies (`tributary.v1.OperatorCommandRequest` /
 * `OperatorCommandReply`, proto/tributary/v1/control.proto) and its mapping to the domain's commands.
 * Decoders never throw: what the wire cannot carry as a command comes back as a message naming the field.
 */

/** The domain's task states and their protobuf enum values, in both directions. */
const TO_WIRE_STATE: Readonly<Record<DomainTaskState, TaskState>> = {
  pending: TaskState.PENDING,
  scheduled: TaskState.SCHEDULED,
  queued: TaskState.QUEUED,
  running: TaskState.RUNNING,
  success: TaskState.SUCCESS,
  failed: TaskState.FAILED,
  up_for_retry: TaskState.UP_FOR_RETRY,
  upstream_failed: TaskState.UPSTREAM_FAILED,
  skipped: TaskState.SKIPPED,
  cancelled: TaskState.CANCELLED,
};
const FROM_WIRE_STATE = new Map<TaskState, DomainTaskState>(
  TASK_STATES.map((state) => [TO_WIRE_STATE[state], state]),
);
const MARKABLE_STATES: ReadonlySet<DomainTaskState> = new Set(['success', 'failed', 'skipped']);

/** Encodes `command` as an OperatorCommandRequest. */
export function encodeOperatorCommand(command: OperatorCommand): Uint8Array {
  const common = {
    runId: command.runId,
    actor: command.actor,
    ...(command.reason !== undefined ? { reason: command.reason } : {}),
  };
  switch (command.type) {
    case 'ClearTaskInstances':
      return encodeOperatorCommandRequest({
        ...common,
        command: {
          case: 'clear',
          value: {
            taskIds: command.taskIds,
            downstream: command.downstream,
            onlyFailed: command.onlyFailed,
            ...(command.states != null
              ? { states: { states: command.states.map((s) => TO_WIRE_STATE[s]) } }
              : {}),
            dryRun: command.dryRun === true,
          },
        },
      });
    case 'MarkTaskInstance':
      return encodeOperatorCommandRequest({
        ...common,
        command: { case: 'mark', value: { taskId: command.taskId, state: TO_WIRE_STATE[command.state] } },
      });
    case 'CancelRun':
      return encodeOperatorCommandRequest({ ...common, command: { case: 'cancel', value: {} } });
  }
}

/**
 * Decodes an OperatorCommandRequest into the domain's command; never throws. The result is only as
 * valid as the wire allows (ids may be empty, a cancel may lack its reason): the planner validates it.
 */
export function decodeOperatorCommand(
  bytes: Uint8Array,
): { ok: true; command: OperatorCommand } | { ok: false; message: string } {
  const decoded = decodeOperatorCommandRequest(bytes);
  if (!decoded.ok) return { ok: false, message: decoded.error.message };
  const { runId, actor, reason, command } = decoded.value;
  const common = { runId, actor, ...(reason !== undefined ? { reason } : {}) };
  switch (command.case) {
    case 'clear': {
      const { taskIds, downstream, onlyFailed, states, dryRun } = command.value;
      let domainStates: DomainTaskState[] | undefined;
      if (states !== undefined) {
        domainStates = [];
        for (const [i, value] of states.states.entries()) {
          const state = FROM_WIRE_STATE.get(value);
          if (state === undefined)
            return { ok: false, message: `clear.states.states[${i}] has value ${value}, not a task state` };
          domainStates.push(state);
        }
      }
      return {
        ok: true,
        command: {
          type: 'ClearTaskInstances',
          ...common,
          taskIds,
          downstream,
          onlyFailed,
          ...(domainStates !== undefined ? { states: domainStates } : {}),
          dryRun,
        },
      };
    }
    case 'mark': {
      const state = FROM_WIRE_STATE.get(command.value.state);
      if (state === undefined || !MARKABLE_STATES.has(state))
        return {
          ok: false,
          message: `mark.state has value ${command.value.state} (${state ?? 'not a task state'}): expected success, failed or skipped`,
        };
      return {
        ok: true,
        command: {
          type: 'MarkTaskInstance',
          ...common,
          taskId: command.value.taskId,
          state: state as 'success' | 'failed' | 'skipped',
        },
      };
    }
    case 'cancel':
      // A missing reason stays visible as "" for the planner's check (required to cancel).
      return { ok: true, command: { type: 'CancelRun', ...common, reason: reason ?? '' } };
    default:
      return { ok: false, message: 'command is not set: expected one of clear, mark, cancel' };
  }
}

/** Encodes `reply` as an OperatorCommandReply. */
export function encodeOperatorReply(reply: OperatorReply): Uint8Array {
  return encodeOperatorCommandReply({
    outcome: reply.ok
      ? { case: 'done', value: { taskIds: reply.taskIds } }
      : { case: 'refused', value: { code: reply.error.code, message: reply.error.message } },
  });
}

/** Decodes an OperatorCommandReply; never throws. */
export function decodeOperatorReply(
  bytes: Uint8Array,
): { ok: true; reply: OperatorReply } | { ok: false; message: string } {
  const decoded = decodeOperatorCommandReply(bytes);
  if (!decoded.ok) return { ok: false, message: decoded.error.message };
  const { outcome } = decoded.value;
  switch (outcome.case) {
    case 'done':
      return { ok: true, reply: { ok: true, taskIds: outcome.value.taskIds } };
    case 'refused':
      return {
        ok: true,
        reply: { ok: false, error: { code: outcome.value.code, message: outcome.value.message } },
      };
    default:
      return { ok: false, message: 'outcome is not set: expected done or refused' };
  }
}
