/**
 * One-to-one mapping between the domain's `RunEvent` variants and the `body`
 * oneof of an EventEnvelope: each variant is the body message of the same name
 * and carries every field of the variant, so the mapping is lossless.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ExpandedGroup as DomainExpandedGroup, RunEvent } from '@tributary/domain';
import { TaskState, type FieldError, type GroupOutcome } from './gen/tributary/v1/common_pb.js';
import type { EventEnvelope, EventEnvelopeSchema, ExpandedGroup } from './gen/tributary/v1/events_pb.js';
import { InvalidEventEnvelopeError } from './invalid-event-envelope-error.js';
import {
  CONSOLIDATION_VIA,
  GROUP_STATES,
  MARKED_STATES,
  RUN_STATES,
  UNRESOLVED_STATES,
  epochMs,
  errorInfo,
  fromEnum,
  int32,
  json,
  jsonBytes,
  optional,
  taskError,
  timestamp,
  toEnum,
  unknownBody,
  unknownEvent,
} from './run-event-body-fields.js';

/** The `body` oneof of a decoded EventEnvelope. */
type Body = EventEnvelope['body'];

/** The `body` oneof as accepted by `create(EventEnvelopeSchema, …)`. */
export type RunEventBodyInit = NonNullable<MessageInitShape<typeof EventEnvelopeSchema>['body']>;

/**
 * The body of `event`. Throws a `RangeError` or `TypeError` naming the field
 * when a value has no lossless protobuf form: an `at` that is not an integer
 * number of ms in the Timestamp range, a number outside int32, a JSON value
 * holding a non-finite number, or a state the schema does not know.
 */
export function runEventToBody(event: RunEvent): RunEventBodyInit {
  const w = (field: string): string => `${event.type}.${field}`;
  switch (event.type) {
    case 'TriggerAccepted':
      return {
        case: 'triggerAccepted',
        value: {
          runId: event.runId,
          pipelineId: event.pipelineId,
          version: int32(w('version'), event.version),
          paramsJson: jsonBytes(w('params'), event.params),
          idempotencyKey: optional(event.idempotencyKey),
          actor: event.actor,
          consolidationVia: toEnum(w('consolidationVia'), CONSOLIDATION_VIA, event.consolidationVia),
          at: timestamp(w('at'), event.at),
        },
      };
    case 'TriggerRejected':
      return {
        case: 'triggerRejected',
        value: {
          runId: event.runId,
          pipelineId: event.pipelineId,
          issues: event.issues.map((issue) => ({ path: issue.path, message: issue.message })),
          idempotencyKey: optional(event.idempotencyKey),
          actor: event.actor,
          at: timestamp(w('at'), event.at),
        },
      };
    case 'RunPlanned':
      return { case: 'runPlanned', value: { groupBlocks: int32(w('groupBlocks'), event.groupBlocks), at: timestamp(w('at'), event.at) } };
    case 'GroupsExpanded':
      return {
        case: 'groupsExpanded',
        value: {
          blockPath: event.blockPath,
          parentGroup: optional(event.parentGroup),
          groups: event.groups.map((group, i) => ({ path: group.path, key: group.key, valueJson: jsonBytes(w(`groups[${i}].value`), group.value), ...(group.label === undefined ? {} : { label: group.label }) })),
          unresolved: event.unresolved === null ? TaskState.UNSPECIFIED : toEnum(w('unresolved'), UNRESOLVED_STATES, event.unresolved),
          error: optional(event.error),
          at: timestamp(w('at'), event.at),
        },
      };
    case 'TaskMapExpanded':
      return {
        case: 'taskMapExpanded',
        value: {
          stagePath: event.stagePath,
          groupPath: optional(event.groupPath),
          length: event.length === null ? undefined : int32(w('length'), event.length),
          at: timestamp(w('at'), event.at),
          labels: event.labels ?? [],
        },
      };
    case 'StageExpansionReset':
      return {
        case: 'stageExpansionReset',
        value: { stagePath: event.stagePath, groupPath: optional(event.groupPath), actor: event.actor, at: timestamp(w('at'), event.at) },
      };
    case 'TaskInstanceScheduled':
      return { case: 'taskInstanceScheduled', value: { taskId: event.taskId, at: timestamp(w('at'), event.at) } };
    case 'TaskInstanceQueued':
      return {
        case: 'taskInstanceQueued',
        value: { taskId: event.taskId, attempt: int32(w('attempt'), event.attempt), executor: event.executor, at: timestamp(w('at'), event.at) },
      };
    case 'TaskInstanceRequeued':
      return {
        case: 'taskInstanceRequeued',
        value: { taskId: event.taskId, attempt: int32(w('attempt'), event.attempt), executor: event.executor, reason: event.reason, at: timestamp(w('at'), event.at) },
      };
    case 'TaskInstanceStarted':
      return {
        case: 'taskInstanceStarted',
        value: { taskId: event.taskId, attempt: int32(w('attempt'), event.attempt), host: event.host, at: timestamp(w('at'), event.at) },
      };
    case 'TaskInstanceSucceeded':
      return {
        case: 'taskInstanceSucceeded',
        value: {
          taskId: event.taskId,
          attempt: int32(w('attempt'), event.attempt),
          outputJson: jsonBytes(w('output'), event.output),
          at: timestamp(w('at'), event.at),
        },
      };
    case 'TaskInstanceFailed':
      return {
        case: 'taskInstanceFailed',
        value: { taskId: event.taskId, attempt: int32(w('attempt'), event.attempt), error: errorInfo(event.error), at: timestamp(w('at'), event.at) },
      };
    case 'TaskInstanceUpForRetry':
      return {
        case: 'taskInstanceUpForRetry',
        value: {
          taskId: event.taskId,
          attempt: int32(w('attempt'), event.attempt),
          error: errorInfo(event.error),
          retryAt: timestamp(w('retryAt'), event.retryAt),
          at: timestamp(w('at'), event.at),
        },
      };
    case 'TaskInstanceSkipped':
      return { case: 'taskInstanceSkipped', value: { taskId: event.taskId, reason: event.reason, at: timestamp(w('at'), event.at) } };
    case 'TaskInstanceUpstreamFailed':
      return { case: 'taskInstanceUpstreamFailed', value: { taskId: event.taskId, reason: event.reason, at: timestamp(w('at'), event.at) } };
    case 'TaskInstanceCancelled':
      return {
        case: 'taskInstanceCancelled',
        value: { taskId: event.taskId, reason: event.reason, actor: optional(event.actor), at: timestamp(w('at'), event.at) },
      };
    case 'TaskInstanceCleared':
      return {
        case: 'taskInstanceCleared',
        value: { taskId: event.taskId, actor: event.actor, reason: event.reason, at: timestamp(w('at'), event.at) },
      };
    case 'TaskInstanceMarked':
      return {
        case: 'taskInstanceMarked',
        value: {
          taskId: event.taskId,
          state: toEnum(w('state'), MARKED_STATES, event.state),
          actor: event.actor,
          reason: event.reason,
          at: timestamp(w('at'), event.at),
        },
      };
    case 'GroupCompleted':
      return {
        case: 'groupCompleted',
        value: { groupPath: event.groupPath, state: toEnum(w('state'), GROUP_STATES, event.state), at: timestamp(w('at'), event.at) },
      };
    case 'GroupReopened':
      return { case: 'groupReopened', value: { groupPath: event.groupPath, at: timestamp(w('at'), event.at) } };
    case 'ConsolidationTriggered':
      return {
        case: 'consolidationTriggered',
        value: {
          round: int32(w('round'), event.round),
          groups: event.groups.map((group, i) => ({ path: group.path, state: toEnum(w(`groups[${i}].state`), GROUP_STATES, group.state) })),
          at: timestamp(w('at'), event.at),
        },
      };
    case 'RunCompleted':
      return {
        case: 'runCompleted',
        value: { state: toEnum(w('state'), RUN_STATES, event.state), reason: optional(event.reason), at: timestamp(w('at'), event.at) },
      };
    case 'RunReopened':
      return { case: 'runReopened', value: { actor: event.actor, reason: event.reason, at: timestamp(w('at'), event.at) } };
    case 'RunCancelled':
      return { case: 'runCancelled', value: { actor: event.actor, reason: event.reason, at: timestamp(w('at'), event.at) } };
    default:
      return unknownEvent(event);
  }
}

/**
 * The domain event held by `body`. Throws an {@link InvalidEventEnvelopeError}
 * when the body is unset (missing, or an event type of a newer schema), a
 * timestamp or JSON value is missing or not exact, or an enum holds a value the
 * domain does not allow.
 */
export function runEventFromBody(body: Body): RunEvent {
  const w = (field: string): string => `body.${String(body.case)}.${field}`;
  switch (body.case) {
    case undefined:
      throw new InvalidEventEnvelopeError('body', 'is not set (no event, or an event type this version does not know)');
    case 'triggerAccepted': {
      const v = body.value;
      return {
        type: 'TriggerAccepted',
        runId: v.runId,
        pipelineId: v.pipelineId,
        version: v.version,
        params: json(w('paramsJson'), v.paramsJson),
        idempotencyKey: v.idempotencyKey ?? null,
        actor: v.actor,
        consolidationVia: fromEnum(w('consolidationVia'), CONSOLIDATION_VIA, v.consolidationVia),
        at: epochMs(w('at'), v.at),
      };
    }
    case 'triggerRejected': {
      const v = body.value;
      return {
        type: 'TriggerRejected',
        runId: v.runId,
        pipelineId: v.pipelineId,
        issues: v.issues.map((issue: FieldError) => ({ path: issue.path, message: issue.message })),
        idempotencyKey: v.idempotencyKey ?? null,
        actor: v.actor,
        at: epochMs(w('at'), v.at),
      };
    }
    case 'runPlanned':
      return { type: 'RunPlanned', groupBlocks: body.value.groupBlocks, at: epochMs(w('at'), body.value.at) };
    case 'groupsExpanded': {
      const v = body.value;
      return {
        type: 'GroupsExpanded',
        blockPath: v.blockPath,
        parentGroup: v.parentGroup ?? null,
        groups: v.groups.map((group: ExpandedGroup, i): DomainExpandedGroup => ({
          path: group.path,
          key: group.key,
          value: json(w(`groups[${i}].valueJson`), group.valueJson),
          ...(group.label === undefined ? {} : { label: group.label }),
        })),
        unresolved: v.unresolved === TaskState.UNSPECIFIED ? null : fromEnum(w('unresolved'), UNRESOLVED_STATES, v.unresolved),
        error: v.error ?? null,
        at: epochMs(w('at'), v.at),
      };
    }
    case 'taskMapExpanded': {
      const v = body.value;
      return { type: 'TaskMapExpanded', stagePath: v.stagePath, groupPath: v.groupPath ?? null, length: v.length ?? null, ...(v.labels.length > 0 ? { labels: [...v.labels] } : {}), at: epochMs(w('at'), v.at) };
    }
    case 'stageExpansionReset': {
      const v = body.value;
      return { type: 'StageExpansionReset', stagePath: v.stagePath, groupPath: v.groupPath ?? null, actor: v.actor, at: epochMs(w('at'), v.at) };
    }
    case 'taskInstanceScheduled':
      return { type: 'TaskInstanceScheduled', taskId: body.value.taskId, at: epochMs(w('at'), body.value.at) };
    case 'taskInstanceQueued': {
      const v = body.value;
      return { type: 'TaskInstanceQueued', taskId: v.taskId, attempt: v.attempt, executor: v.executor, at: epochMs(w('at'), v.at) };
    }
    case 'taskInstanceRequeued': {
      const v = body.value;
      return { type: 'TaskInstanceRequeued', taskId: v.taskId, attempt: v.attempt, executor: v.executor, reason: v.reason, at: epochMs(w('at'), v.at) };
    }
    case 'taskInstanceStarted': {
      const v = body.value;
      return { type: 'TaskInstanceStarted', taskId: v.taskId, attempt: v.attempt, host: v.host, at: epochMs(w('at'), v.at) };
    }
    case 'taskInstanceSucceeded': {
      const v = body.value;
      return { type: 'TaskInstanceSucceeded', taskId: v.taskId, attempt: v.attempt, output: json(w('outputJson'), v.outputJson), at: epochMs(w('at'), v.at) };
    }
    case 'taskInstanceFailed': {
      const v = body.value;
      return { type: 'TaskInstanceFailed', taskId: v.taskId, attempt: v.attempt, error: taskError(w('error'), v.error), at: epochMs(w('at'), v.at) };
    }
    case 'taskInstanceUpForRetry': {
      const v = body.value;
      return {
        type: 'TaskInstanceUpForRetry',
        taskId: v.taskId,
        attempt: v.attempt,
        error: taskError(w('error'), v.error),
        retryAt: epochMs(w('retryAt'), v.retryAt),
        at: epochMs(w('at'), v.at),
      };
    }
    case 'taskInstanceSkipped':
      return { type: 'TaskInstanceSkipped', taskId: body.value.taskId, reason: body.value.reason, at: epochMs(w('at'), body.value.at) };
    case 'taskInstanceUpstreamFailed':
      return { type: 'TaskInstanceUpstreamFailed', taskId: body.value.taskId, reason: body.value.reason, at: epochMs(w('at'), body.value.at) };
    case 'taskInstanceCancelled': {
      const v = body.value;
      return { type: 'TaskInstanceCancelled', taskId: v.taskId, reason: v.reason, actor: v.actor ?? null, at: epochMs(w('at'), v.at) };
    }
    case 'taskInstanceCleared': {
      const v = body.value;
      return { type: 'TaskInstanceCleared', taskId: v.taskId, actor: v.actor, reason: v.reason, at: epochMs(w('at'), v.at) };
    }
    case 'taskInstanceMarked': {
      const v = body.value;
      return {
        type: 'TaskInstanceMarked',
        taskId: v.taskId,
        state: fromEnum(w('state'), MARKED_STATES, v.state),
        actor: v.actor,
        reason: v.reason,
        at: epochMs(w('at'), v.at),
      };
    }
    case 'groupCompleted': {
      const v = body.value;
      return { type: 'GroupCompleted', groupPath: v.groupPath, state: fromEnum(w('state'), GROUP_STATES, v.state), at: epochMs(w('at'), v.at) };
    }
    case 'groupReopened':
      return { type: 'GroupReopened', groupPath: body.value.groupPath, at: epochMs(w('at'), body.value.at) };
    case 'consolidationTriggered': {
      const v = body.value;
      return {
        type: 'ConsolidationTriggered',
        round: v.round,
        groups: v.groups.map((group: GroupOutcome, i) => ({ path: group.path, state: fromEnum(w(`groups[${i}].state`), GROUP_STATES, group.state) })),
        at: epochMs(w('at'), v.at),
      };
    }
    case 'runCompleted': {
      const v = body.value;
      return { type: 'RunCompleted', state: fromEnum(w('state'), RUN_STATES, v.state), reason: v.reason ?? null, at: epochMs(w('at'), v.at) };
    }
    case 'runReopened':
      return { type: 'RunReopened', actor: body.value.actor, reason: body.value.reason, at: epochMs(w('at'), body.value.at) };
    case 'runCancelled':
      return { type: 'RunCancelled', actor: body.value.actor, reason: body.value.reason, at: epochMs(w('at'), body.value.at) };
    default:
      return unknownBody(body);
  }
}
