import type { RunEvent } from '@tributary/domain';
import type { OutboxMessage } from '@tributary/event-store';
import { encodeRunEvent, RUN_ID_HEADER, TRACEPARENT_HEADER, type Subjects } from '@tributary/events';
import { uuidFromKey } from '@tributary/runtime';
import { traceIdOfTraceparent } from '@tributary/telemetry';

/** Who the fan-in's events are from (the envelope's `actor`). */
export const FAN_IN_ACTOR = 'fan-in';

/** `Nats-Msg-Id` of a round: JetStream drops a re-published copy. */
export function triggerMsgId(runId: string, round: number): string {
  return `fan-in:${runId}:${round}`;
}

/** The event id of a round, derived from run and round so every copy of it carries the same id. */
export function triggerEventId(runId: string, round: number): string {
  return uuidFromKey(`fan-in\u0000${runId}\u0000${round}`);
}

export interface ConsolidationTriggerInput {
  runId: string;
  round: number;
  /** run_seq of the group event that completed the fan-in. */
  runSeq: number;
  groups: { path: string; state: 'success' | 'failed' }[];
  at: number;
  /** Of the consumed group event, so the consolidation continues the run's trace. */
  traceparent: string | null;
  /** Fallback when there is no traceparent: the consumed envelope's trace id. */
  traceId: string | null;
}

/** The outbox row of one round: `p.event.fanin.<runId>.ConsolidationTriggered`, an EventEnvelope. */
export function consolidationTriggerMessage(
  subjects: Subjects,
  input: ConsolidationTriggerInput,
): OutboxMessage {
  const event: RunEvent = {
    type: 'ConsolidationTriggered',
    round: input.round,
    groups: input.groups,
    at: input.at,
  };
  const payload = encodeRunEvent(event, {
    eventId: triggerEventId(input.runId, input.round),
    runId: input.runId,
    runSeq: input.runSeq,
    actor: FAN_IN_ACTOR,
    traceId: traceIdOfTraceparent(input.traceparent) ?? input.traceId,
  });
  const headers: Record<string, string> = { [RUN_ID_HEADER]: input.runId };
  if (input.traceparent) headers[TRACEPARENT_HEADER] = input.traceparent;
  return {
    msgId: triggerMsgId(input.runId, input.round),
    subject: subjects.consolidationTriggered(input.runId),
    payload,
    headers,
  };
}
