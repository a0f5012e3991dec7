import type { Infrastructure } from '@tributary/runtime';
import type { ConsumerDefinition } from '@tributary/messaging';

/** Durable name of the fan-in's consumer; replicas share it. */
export const FAN_IN_DURABLE = 'fan-in';

/**
 * The fan-in's one durable consumer: every group-lifecycle event of every run, in stream order
 * (`p.event.group.>`, one filter subject: NATS 2.9). Unlimited deliveries: a dropped group event
 * would leave its run waiting for a consolidation forever; a failing one is nak'ed with backoff and
 * does not hold back the others.
 */
export function fanInConsumer(infra: Infrastructure): ConsumerDefinition & { stream: string } {
  return {
    stream: infra.streams.EVENTS.name,
    durable: FAN_IN_DURABLE,
    filterSubject: infra.subjects.eventsOfCategory('group'),
    ackWaitMs: 60_000,
    maxDeliver: -1,
    maxAckPending: 10_000,
    description: 'fan-in: top-level group events → ConsolidationDue, once per round',
  };
}
