import {
  AttemptOutcome,
  createResultBatch,
  decodeDispatchBatch,
  encodeResultBatch,
  jsonFromBytes,
  jsonToBytes,
  timestampFromEpochMs,
  type DispatchBatch,
} from '@tributary/events';
import { ensureConsumer, JetStreamConsumerRunner, publish } from '@tributary/messaging';
import type { Infrastructure } from '@tributary/runtime';
import { builtinHandlers, HandlerRegistry, runAttempt, type Json } from '@tributary/worker-sdk';

type ResultInit = Parameters<typeof createResultBatch>[0][number];

const json = (bytes: Uint8Array): Json => {
  if (bytes.length === 0) return null;
  const parsed = jsonFromBytes(bytes);
  return parsed.ok ? (parsed.value as Json) : null;
};

/**
 * A minimal executor host for end-to-end tests: takes every dispatch batch (`p.task.>`), runs the
 * built-in handler in-process and publishes the results, one batch per run.
 */
export async function startFakeExecutor(infra: Infrastructure): Promise<{ stop(): Promise<void> }> {
  const stream = infra.streams.TASKS.name;
  const durable = 'fake-executor';
  await ensureConsumer(infra.jsm, stream, {
    durable,
    filterSubject: infra.subjects.taskAll,
    ackWaitMs: 30_000,
    maxDeliver: 5,
    maxAckPending: 1_000,
  });
  const registry = new HandlerRegistry(builtinHandlers);
  const runner = new JetStreamConsumerRunner<DispatchBatch>({
    nc: infra.nc,
    stream,
    durable,
    decode: (msg) => {
      const decoded = decodeDispatchBatch(msg.data);
      if (!decoded.ok) throw decoded.error;
      return decoded.value;
    },
    handle: async ({ payload: batch }) => {
      const byRun = new Map<string, ResultInit[]>();
      for (const a of batch.attempts) {
        const handler = registry.get(batch.executor);
        const out = handler
          ? await runAttempt(handler, {
              runId: a.runId,
              taskId: a.taskId,
              attemptId: a.attemptId,
              attempt: a.attempt,
              input: json(a.inputJson),
              params: json(a.paramsJson),
              upstream: (json(a.upstreamJson) ?? {}) as Record<string, Json>,
              item: json(a.itemJson),
              mapIndex: a.mapIndex ?? null,
            })
          : null;
        const result = {
          attemptId: a.attemptId,
          runId: a.runId,
          taskId: a.taskId,
          attempt: a.attempt,
          executor: batch.executor,
          host: 'fake-executor',
          startedAt: timestampFromEpochMs(out?.startedAt ?? Date.now()),
          finishedAt: timestampFromEpochMs(out?.finishedAt ?? Date.now()),
        };
        const list = byRun.get(a.runId) ?? [];
        const init: ResultInit =
          out?.outcome === 'success'
            ? { ...result, outcome: AttemptOutcome.SUCCESS, outputJson: jsonToBytes(out.output) }
            : {
                ...result,
                outcome: AttemptOutcome.FATAL,
                error: { message: out ? 'not a success' : `no handler ${batch.executor}`, type: 'Error' },
              };
        list.push(init);
        byRun.set(a.runId, list);
      }
      for (const [runId, results] of byRun) {
        const rb = createResultBatch(results);
        await publish(infra.js, infra.subjects.result(runId), encodeResultBatch(rb), { msgId: rb.batchId });
      }
    },
    onError: () => undefined,
  });
  await runner.start();
  return { stop: () => runner.stop() };
}
