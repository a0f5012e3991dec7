import type { JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';

/** A message the server stopped delivering because the consumer's `max_deliver` was reached. */
export interface DeadLetterEvent {
  readonly stream: string;
  readonly consumer: string;
  readonly streamSequence: number;
  readonly deliveries: number;
  /** The message, still stored (never acked), or null when it is already gone (age/limits/deleted). */
  readonly message: StoredMsg | null;
  /** Deletes the stored message: on a work-queue stream it otherwise stays until `max_age`. */
  remove(): Promise<boolean>;
}

/** The advisory subject JetStream publishes when a message exhausts `max_deliver`. */
export function maxDeliveriesAdvisorySubject(stream: string, consumer: string): string {
  return `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${consumer}`;
}

interface MaxDeliveriesAdvisory {
  stream: string;
  consumer: string;
  stream_seq: number;
  deliveries: number;
}

/**
 * Calls `onDeadLetter` for every MAX_DELIVERIES advisory of `stream`/`consumer`.
 * The subscription joins a queue group, so among several replicas running the
 * same consumer one receives each advisory. Advisories are core NATS messages:
 * one emitted while no subscriber is connected is lost (the message itself is
 * still in the stream and can be found by its delivery count).
 */
export function subscribeDeadLetters(
  nc: NatsConnection,
  jsm: JetStreamManager,
  target: { stream: string; consumer: string },
  onDeadLetter: (event: DeadLetterEvent) => void | Promise<void>,
  onError: (error: unknown) => void,
): Subscription {
  return nc.subscribe(maxDeliveriesAdvisorySubject(target.stream, target.consumer), {
    queue: `tributary-dead-letter.${target.stream}.${target.consumer}`,
    callback: (error, msg) => {
      if (error) {
        onError(error);
        return;
      }
      void (async () => {
        const advisory = msg.json<MaxDeliveriesAdvisory>();
        const message = await jsm.streams.getMessage(advisory.stream, { seq: advisory.stream_seq }).catch(() => null);
        await onDeadLetter({
          stream: advisory.stream,
          consumer: advisory.consumer,
          streamSequence: advisory.stream_seq,
          deliveries: advisory.deliveries,
          message,
          remove: () => jsm.streams.deleteMessage(advisory.stream, advisory.stream_seq, false),
        });
      })().catch(onError);
    },
  });
}
