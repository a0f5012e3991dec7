import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/** Every message stored in `stream` under `filterSubject` (one filter: NATS 2.9), with its headers. */
export async function readStoredMessages(
  natsUrl: string,
  stream: string,
  filterSubject: string,
): Promise<{ subject: string; headers: Record<string, string>; data: Uint8Array }[]> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.consumers.add(stream, {
      filter_subject: filterSubject,
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
      inactive_threshold: 30_000_000_000,
    });
    const pending = info.num_pending;
    const consumer = await jetstream(nc).consumers.get(stream, info.name);
    const out: { subject: string; headers: Record<string, string>; data: Uint8Array }[] = [];
    while (out.length < pending) {
      const batch = await consumer.fetch({
        max_messages: Math.min(500, pending - out.length),
        expires: 2000,
      });
      let got = 0;
      for await (const msg of batch) {
        got += 1;
        const headers: Record<string, string> = {};
        for (const [key, values] of msg.headers ?? []) headers[key.toLowerCase()] = values[0] ?? '';
        out.push({ subject: msg.subject, headers, data: msg.data });
      }
      if (got === 0) break;
    }
    await jsm.consumers.delete(stream, info.name).catch(() => undefined);
    return out;
  } finally {
    await nc.close();
  }
}
