import type { Infrastructure } from '@tributary/runtime';
import type { ConsumerDefinition } from '@tributary/messaging';

/** The `@EventPattern` the consolidator's ConsolidationDue handler is bound to. */
export const CONSOLIDATION_DUE = 'consolidation.due';

/** Consolidations running at once on one host (each may run a handler for minutes). */
export const CONSOLIDATOR_CONCURRENCY = 8;

/** Durable name of the consolidator's consumer; replicas share it. */
export const CONSOLIDATOR_DURABLE = 'consolidator';

/** How often a running consolidation tells JetStream it is still at work (well inside the ack wait). */
export const CONSOLIDATOR_HEARTBEAT_MS = 10_000;

/**
 * The consolidator's one durable consumer: the fan-in's messages (`p.event.fanin.>`, one filter
 * subject: NATS 2.9). A long handler keeps its message with `working()` heartbeats; a failed one is
 * nak'ed and retried (the batch id dedupes a result published twice).
 */
export function consolidatorConsumer(infra: Infrastructure): ConsumerDefinition & { stream: string } {
  return {
    stream: infra.streams.EVENTS.name,
    durable: CONSOLIDATOR_DURABLE,
    filterSubject: infra.subjects.eventsOfCategory('fanin'),
    ackWaitMs: 60_000,
    maxDeliver: 50,
    maxAckPending: 1_000,
    description: 'consolidator: ConsolidationDue → consolidation handler → result',
  };
}
