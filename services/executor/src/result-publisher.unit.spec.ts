import type { JetStreamClient } from '@nats-io/jetstream';
import { AttemptOutcome, decodeResultBatch, jsonToBytes, subjects } from '@tributary/events';
import { describe, expect, it } from 'vitest';
import type { ResultInit } from './attempt-results.js';
import { ResultPublisher } from './result-publisher.js';

interface Sent {
  subject: string;
  msgId: string;
  traceparent: string | undefined;
  results: { attemptId: string; outcome: AttemptOutcome; errorType: string | undefined }[];
}

/** A JetStream client that records publishes; `failures` makes the first n publishes fail. */
function fakeJs(failures = 0, maxPayload = Infinity): { js: JetStreamClient; sent: Sent[]; tries: string[] } {
  const sent: Sent[] = [];
  const tries: string[] = [];
  let seq = 0;
  const js = {
    publish: async (
      subject: string,
      payload: Uint8Array,
      opts: { msgID: string; headers: { get(k: string): string } },
    ) => {
      tries.push(opts.msgID);
      if (tries.length <= failures) throw new Error('connection lost');
      if (payload.byteLength > maxPayload) throw new Error("'payload' max_payload size exceeded");
      const batch = decodeResultBatch(payload);
      if (!batch.ok) throw batch.error;
      sent.push({
        subject,
        msgId: opts.msgID,
        traceparent: opts.headers.get('traceparent') || undefined,
        results: batch.value.results.map((r) => ({
          attemptId: r.attemptId,
          outcome: r.outcome,
          errorType: r.error?.type,
        })),
      });
      return { stream: 'RESULTS', seq: ++seq, duplicate: false };
    },
  };
  return { js: js as unknown as JetStreamClient, sent, tries };
}

const trace = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: '' };
const result = (runId: string, task: string, outcome: AttemptOutcome): ResultInit => ({
  attemptId: `${runId}/${task}#1`,
  runId,
  taskId: task,
  attempt: 1,
  outcome,
});

describe('ResultPublisher', () => {
  it('sends one message per run per flush, with the attempts trace', async () => {
    const { js, sent } = fakeJs();
    const publisher = new ResultPublisher(js, subjects('p'), { lingerMs: 1 });
    await Promise.all([
      publisher.add(result('r1', 'a', AttemptOutcome.SUCCESS), trace),
      publisher.add(result('r2', 'a', AttemptOutcome.FAILED), trace),
      publisher.add(result('r1', 'b', AttemptOutcome.SKIPPED), trace),
    ]);
    expect(sent.map((s) => [s.subject, s.results.map((r) => r.attemptId)])).toEqual([
      ['p.result.r1', ['r1/a#1', 'r1/b#1']],
      ['p.result.r2', ['r2/a#1']],
    ]);
    expect(sent.every((s) => s.traceparent?.split('-')[1] === '0af7651916cd43dd8448eb211c80319c')).toBe(true);
    expect(publisher.stats).toMatchObject({ results: 3, messages: 2 });
  });

  it('replaces a waiting STARTED notice by its final result', async () => {
    const { js, sent } = fakeJs();
    const publisher = new ResultPublisher(js, subjects('p'), { lingerMs: 5 });
    const started = publisher.add(result('r1', 'a', AttemptOutcome.STARTED), trace);
    await publisher.add(result('r1', 'a', AttemptOutcome.SUCCESS), trace);
    await started;
    expect(sent.map((s) => s.results)).toEqual([
      [{ attemptId: 'r1/a#1', outcome: AttemptOutcome.SUCCESS, errorType: undefined }],
    ]);
    expect(publisher.stats.merged).toBe(1);
  });

  it('gives a STARTED batch and the final batch of the same attempts different message ids', async () => {
    const { js, sent } = fakeJs();
    const publisher = new ResultPublisher(js, subjects('p'), { lingerMs: 1 });
    await publisher.add(result('r1', 'a', AttemptOutcome.STARTED), trace);
    await publisher.add(result('r1', 'a', AttemptOutcome.SUCCESS), trace);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.msgId).not.toBe(sent[1]!.msgId);
  });

  it('retries a failed publish with the same message id, then resolves', async () => {
    const { js, sent, tries } = fakeJs(2);
    const publisher = new ResultPublisher(js, subjects('p'), { lingerMs: 1 });
    await publisher.add(result('r1', 'a', AttemptOutcome.SUCCESS), trace);
    expect(tries).toHaveLength(3);
    expect(new Set(tries).size).toBe(1);
    expect(sent).toHaveLength(1);
    expect(publisher.stats.failures).toBe(2);
  });

  it('flushes at maxResults without waiting for the linger', async () => {
    const { js, sent } = fakeJs();
    const publisher = new ResultPublisher(js, subjects('p'), { lingerMs: 60_000, maxResults: 3 });
    await Promise.all(
      ['a', 'b', 'c'].map((t) => publisher.add(result('r1', t, AttemptOutcome.SUCCESS), trace)),
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]!.results).toHaveLength(3);
    await publisher.close();
  });

  it('sends a final result without a timer when nothing is in flight, and gathers results while a publish is in flight', async () => {
    const { js: inner, sent } = fakeJs();
    let release: () => void = () => undefined;
    let holdNext = true;
    const js = {
      publish: async (...args: Parameters<JetStreamClient['publish']>) => {
        if (holdNext) {
          holdNext = false;
          await new Promise<void>((resolve) => (release = resolve));
        }
        return inner.publish(...args);
      },
    } as unknown as JetStreamClient;
    // A linger of a minute: only natural batching can send anything within this test.
    const publisher = new ResultPublisher(js, subjects('p'), { lingerMs: 60_000 });
    const first = publisher.add(result('r1', 'a', AttemptOutcome.SUCCESS), trace);
    await new Promise((resolve) => setImmediate(resolve));
    // The first publish is in flight (held): these two wait for it, then go out together.
    const later = [
      publisher.add(result('r1', 'b', AttemptOutcome.SUCCESS), trace),
      publisher.add(result('r1', 'c', AttemptOutcome.SUCCESS), trace),
    ];
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toHaveLength(0);
    release();
    await Promise.all([first, ...later]);
    expect(sent.map((s) => s.results.map((r) => r.attemptId))).toEqual([['r1/a#1'], ['r1/b#1', 'r1/c#1']]);
  });

  it('lets STARTED notices wait for the linger so the final results of fast attempts replace them', async () => {
    const { js, sent } = fakeJs();
    const publisher = new ResultPublisher(js, subjects('p'), { lingerMs: 20, maxResults: 3 });
    const tasks = ['a', 'b', 'c'];
    const started = tasks.map((t) => publisher.add(result('r1', t, AttemptOutcome.STARTED), trace));
    expect(sent).toHaveLength(0);
    await Promise.all(tasks.map((t) => publisher.add(result('r1', t, AttemptOutcome.SUCCESS), trace)));
    await Promise.all(started);
    expect(sent.flatMap((s) => s.results.map((r) => r.outcome))).toEqual([
      AttemptOutcome.SUCCESS,
      AttemptOutcome.SUCCESS,
      AttemptOutcome.SUCCESS,
    ]);
    expect(publisher.stats.merged).toBe(3);
  });

  it('splits a message refused as too large, and reports a result that alone is too large as FATAL', async () => {
    const { js, sent } = fakeJs(0, 3_000);
    const publisher = new ResultPublisher(js, subjects('p'), { lingerMs: 1 });
    const sized = (task: string, bytes: number): ResultInit => ({
      ...result('r1', task, AttemptOutcome.SUCCESS),
      outputJson: jsonToBytes('x'.repeat(bytes)),
    });
    await Promise.all([publisher.add(sized('a', 2_000), trace), publisher.add(sized('b', 2_000), trace)]);
    expect(sent.map((s) => s.results.map((r) => r.attemptId))).toEqual([['r1/a#1'], ['r1/b#1']]);
    await publisher.add(sized('c', 5_000), trace);
    expect(sent.at(-1)!.results).toEqual([
      { attemptId: 'r1/c#1', outcome: AttemptOutcome.FATAL, errorType: 'ResultTooLargeError' },
    ]);
  });

  it('splits a batch by bytes measured against max_payload before publishing, and turns a result that alone cannot fit into ResultTooLargeError', async () => {
    const { js, sent, tries } = fakeJs(0, 20_000);
    const publisher = new ResultPublisher(js, subjects('p'), { lingerMs: 1, maxPayloadBytes: 20_000 });
    const sized = (task: string, bytes: number): ResultInit => ({
      ...result('r1', task, AttemptOutcome.SUCCESS),
      outputJson: jsonToBytes('x'.repeat(bytes)),
    });
    // Ten results of 4 KB: 40 KB in all, at most about three-quarters of 20 000 bytes per message.
    await Promise.all(Array.from({ length: 10 }, (_, i) => publisher.add(sized(`t${i}`, 4_000), trace)));
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(sent.flatMap((s) => s.results.map((r) => r.attemptId))).toHaveLength(10);
    expect(tries).toHaveLength(sent.length); // nothing was refused by the server

    await publisher.add(sized('huge', 25_000), trace);
    expect(sent.at(-1)!.results).toEqual([
      { attemptId: 'r1/huge#1', outcome: AttemptOutcome.FATAL, errorType: 'ResultTooLargeError' },
    ]);
    expect(tries).toHaveLength(sent.length);
    expect(publisher.stats).toMatchObject({ failures: 0, oversize: 1 });
  });
});
