import { AckPolicy, DeliverPolicy, jetstream, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { sleep } from '../eventually.js';

export interface StoredMessage {
  subject: string;
  seq: number;
  headers: Record<string, string>;
  data: Uint8Array;
}

/** Every message a limits stream holds under `filterSubject`, read by a throwaway consumer (one filter: NATS 2.9). */
export async function readStream(
  nc: NatsConnection,
  jsm: JetStreamManager,
  stream: string,
  filterSubject: string,
): Promise<StoredMessage[]> {
  const info = await jsm.consumers.add(stream, {
    filter_subject: filterSubject,
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    inactive_threshold: 30_000_000_000,
  });
  try {
    const consumer = await jetstream(nc).consumers.get(stream, info.name);
    const out: StoredMessage[] = [];
    while (out.length < info.num_pending) {
      const batch = await consumer.fetch({ max_messages: info.num_pending - out.length, expires: 2000 });
      let got = 0;
      for await (const msg of batch) {
        got += 1;
        const headers: Record<string, string> = {};
        for (const [key, values] of msg.headers ?? []) headers[key.toLowerCase()] = values[0] ?? '';
        out.push({ subject: msg.subject, seq: msg.seq, headers, data: msg.data });
      }
      if (got === 0) break;
    }
    return out;
  } finally {
    await jsm.consumers.delete(stream, info.name).catch(() => undefined);
  }
}

/** Waits until a durable consumer has nothing pending or unacknowledged (it processed all it was sent). */
export async function waitForConsumerIdle(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await jsm.consumers.info(stream, durable);
    if (info.num_pending === 0 && info.num_ack_pending === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `consumer ${durable} still busy: ${info.num_pending} pending, ${info.num_ack_pending} unacked`,
      );
    await sleep(50);
  }
}

/** How many messages a stream holds on `subject`, and the last one (read without consuming: work queues too). */
export async function storedOn(
  jsm: JetStreamManager,
  stream: string,
  subject: string,
): Promise<{ count: number; last: StoredMessage | null }> {
  const info = await jsm.streams.info(stream, { subjects_filter: subject });
  const count = info.state.subjects?.[subject] ?? 0;
  if (count === 0) return { count, last: null };
  const msg = await jsm.streams.getMessage(stream, { last_by_subj: subject });
  if (!msg) return { count, last: null };
  const headers: Record<string, string> = {};
  for (const [key, values] of msg.header ?? []) headers[key.toLowerCase()] = values[0] ?? '';
  return { count, last: { subject: msg.subject, seq: msg.seq, headers, data: msg.data } };
}
