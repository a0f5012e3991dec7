import type { Infrastructure } from '@tributary/runtime';
import type { ConsumerDefinition } from '@tributary/messaging';

/** The planner's durable consumers: one filter subject each (NATS 2.9). Replicas share them. */
export function plannerConsumers(infra: Infrastructure): {
  triggers: ConsumerDefinition & { stream: string };
  results: ConsumerDefinition & { stream: string };
} {
  return {
    triggers: {
      stream: infra.streams.TRIGGERS.name,
      durable: 'planner-triggers',
      filterSubject: infra.subjects.triggerAll,
      ackWaitMs: 30_000,
      maxDeliver: 20,
      maxAckPending: 1_000,
      description: 'planner: triggers → runs',
    },
    results: {
      stream: infra.streams.RESULTS.name,
      durable: 'planner-results',
      filterSubject: infra.subjects.resultAll,
      ackWaitMs: 60_000,
      maxDeliver: 50,
      maxAckPending: 20_000,
      description: 'planner: results → task-instance state',
    },
  };
}
