/** A message to publish after commit. */
export interface OutboxMessage {
  /** Becomes `Nats-Msg-Id`, so JetStream drops a republished copy. Unique: a second write of the same id is ignored. */
  msgId: string;
  subject: string;
  payload: Uint8Array;
  /** Extra NATS headers, e.g. `traceparent`. */
  headers?: Record<string, string>;
}

/** An unpublished outbox row, claimed by a publisher. */
export interface ClaimedOutboxMessage {
  /** `outbox.id` (bigserial) as a decimal string; pass it to `markPublished`. */
  id: string;
  msgId: string;
  subject: string;
  payload: Uint8Array;
  headers: Record<string, string>;
  createdAt: Date;
}
