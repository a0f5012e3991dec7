import type { OutboxMessage } from '@tributary/event-store';
import {
  encodeConsolidationDue,
  timestampFromEpochMs,
  GroupState,
  RUN_ID_HEADER,
  TRACEPARENT_HEADER,
  type Subjects,
} from '@tributary/events';
import { traceIdOfTraceparent } from '@tributary/telemetry';

/** `Nats-Msg-Id` of a round: JetStream drops a re-published copy. */
export function consolidationDueMsgId(runId: string, round: number): string {
  return `fan-in:${runId}:${round}`;
}

export interface ConsolidationDueInput {
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

/**
 * The outbox row of one round: a ConsolidationDue on `p.event.fanin.<runId>.ConsolidationDue`. It is the
 * fan-in's message to the consolidators, not a run event (the planner records ConsolidationTriggered).
 */
export function consolidationDueMessage(subjects: Subjects, input: ConsolidationDueInput): OutboxMessage {
  const payload = encodeConsolidationDue({
    runId: input.runId,
    round: input.round,
    groups: input.groups.map((g) => ({
      path: g.path,
      state: g.state === 'success' ? GroupState.SUCCESS : GroupState.FAILED,
    })),
    at: timestampFromEpochMs(input.at),
    runSeq: BigInt(input.runSeq),
    traceId: traceIdOfTraceparent(input.traceparent) ?? input.traceId ?? '',
  });
  const headers: Record<string, string> = { [RUN_ID_HEADER]: input.runId };
  if (input.traceparent) headers[TRACEPARENT_HEADER] = input.traceparent;
  return {
    msgId: consolidationDueMsgId(input.runId, input.round),
    subject: subjects.consolidationDue(input.runId),
    payload,
    headers,
  };
}
