import { jetstream, jetstreamManager, AckPolicy } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  AttemptOutcome,
  createResultBatch,
  decodeDispatchBatch,
  encodeResultBatch,
  jsonToBytes,
  subjects as subjectsOf,
  streams as streamsOf,
  timestampFromEpochMs,
} from '@tributary/events';

/** A stand-in executor fleet: answers every dispatch on `fake` with the outcome `answer` picks. */
export async function fakeExecutor(
  nc: NatsConnection,
  prefix: string,
  answer: (
    taskId: string,
    attempt: number,
    runId: string,
  ) => { ok: boolean; output?: unknown; host?: string },
) {
  const s = subjectsOf(prefix);
  const st = streamsOf(prefix);
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(st.TASKS.name, {
    durable_name: 'fake',
    filter_subject: s.task('fake'),
    ack_policy: AckPolicy.Explicit,
  });
  const js = jetstream(nc);
  const consumer = await js.consumers.get(st.TASKS.name, 'fake');
  const messages = await consumer.consume();
  void (async () => {
    for await (const msg of messages) {
      const batch = decodeDispatchBatch(msg.data);
      if (!batch.ok) throw batch.error;
      const byRun = new Map<string, unknown[]>();
      for (const a of batch.value.attempts) {
        const out = answer(a.taskId, a.attempt, a.runId);
        const now = timestampFromEpochMs(Date.now());
        const list = byRun.get(a.runId) ?? [];
        list.push({
          attemptId: a.attemptId,
          runId: a.runId,
          taskId: a.taskId,
          attempt: a.attempt,
          outcome: out.ok ? AttemptOutcome.SUCCESS : AttemptOutcome.FAILED,
          outputJson: jsonToBytes(out.output ?? null),
          ...(out.ok ? {} : { error: { message: 'boom', type: 'Error', retryable: true } }),
          startedAt: now,
          finishedAt: now,
          executor: 'fake',
          host: out.host ?? 'test',
          logs: [
            {
              at: now,
              level: 'info',
              message: `ran ${a.taskId} with item ${new TextDecoder().decode(a.itemJson)}`,
            },
          ],
        });
        byRun.set(a.runId, list);
      }
      for (const [runId, results] of byRun) {
        const rb = createResultBatch(results as never);
        await js.publish(s.result(runId), encodeResultBatch(rb), { msgID: rb.batchId });
      }
      msg.ack();
    }
  })();
  return messages;
}
