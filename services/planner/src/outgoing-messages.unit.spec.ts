import { describe, expect, it } from 'vitest';
import type { AttemptPayload } from '@tributary/domain';
import { decodeDispatchBatch, decodeRunEvents, subjects } from '@tributary/events';
import {
  dispatchMessages,
  eventMessages,
  MAX_ATTEMPTS_PER_DISPATCH,
  MAX_DISPATCH_BYTES,
  SPREAD_OVER_MESSAGES,
} from './outgoing-messages.js';

const attempt = (i: number, upstream: unknown = {}): AttemptPayload => ({
  runId: 'r1',
  pipelineId: 'p',
  taskId: `work[${i}]`,
  attemptId: `r1/work[${i}]#1`,
  attempt: 1,
  stagePath: 'work',
  stageId: 'work',
  executor: 'noop',
  groupPath: null,
  mapIndex: i,
  input: null,
  params: {},
  group: null,
  upstream: upstream as never,
  item: i,
  timeoutMs: null,
  priority: 1,
  pool: null,
});

describe('dispatch messages', () => {
  const sizes = (messages: { payload: Uint8Array }[]) =>
    messages.map((m) => decodeDispatchBatch(m.payload)).map((d) => (d.ok ? d.value.attempts.length : -1));

  it('batches attempts per executor, at most MAX_ATTEMPTS_PER_DISPATCH each, with deterministic msg ids', () => {
    const list = Array.from({ length: 4500 }, (_, i) => attempt(i));
    const messages = dispatchMessages(subjects('t'), list, () => null);
    expect(sizes(messages)).toEqual([...Array(22).fill(MAX_ATTEMPTS_PER_DISPATCH), 100]);
    expect(messages[0]!.subject).toBe('t.task.noop');
    expect(dispatchMessages(subjects('t'), list, () => null).map((m) => m.msgId)).toEqual(
      messages.map((m) => m.msgId),
    );
  });

  it('spreads a commit over SPREAD_OVER_MESSAGES messages, so hosts taking whole messages share the attempts', () => {
    const messages = dispatchMessages(
      subjects('t'),
      Array.from({ length: 1000 }, (_, i) => attempt(i)),
      () => null,
    );
    expect(sizes(messages)).toEqual([...Array(15).fill(63), 55]);
    expect(messages).toHaveLength(SPREAD_OVER_MESSAGES);
    expect(sizes(dispatchMessages(subjects('t'), [attempt(1), attempt(2)], () => null))).toEqual([1, 1]);
  });

  it("sends a slot's upstream outputs once per batch, and every decoded attempt has them", () => {
    const big = { list: Array.from({ length: 5000 }, (_, i) => `item-${i}`) };
    const bigBytes = JSON.stringify(big).length;
    const messages = dispatchMessages(
      subjects('t'),
      Array.from({ length: 200 }, (_, i) => attempt(i, big)),
      () => null,
    );
    // 200 mapped instances of one stage, spread over 16 messages: each carries one copy of their upstream.
    expect(messages).toHaveLength(SPREAD_OVER_MESSAGES);
    let attempts = 0;
    for (const message of messages) {
      const decoded = decodeDispatchBatch(message.payload);
      if (!decoded.ok) throw decoded.error;
      attempts += decoded.value.attempts.length;
      expect(message.payload.length).toBeLessThan(bigBytes + decoded.value.attempts.length * 300);
      for (const a of decoded.value.attempts)
        expect(JSON.parse(new TextDecoder().decode(a.upstreamJson))).toEqual(big);
    }
    expect(attempts).toBe(200);
  });

  it('keeps every message under the payload limit when many slots carry large upstream outputs', () => {
    const big = { list: Array.from({ length: 5000 }, (_, i) => `item-${i}`) };
    const messages = dispatchMessages(
      subjects('t'),
      Array.from({ length: 200 }, (_, i) => ({
        ...attempt(i, big),
        groupPath: `g=${i}`,
        taskId: `g=${i}/work`,
      })),
      () => null,
    );
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(m.payload.length).toBeLessThan(MAX_DISPATCH_BYTES + 200_000);
    const attempts = messages.flatMap((m) => {
      const d = decodeDispatchBatch(m.payload);
      if (!d.ok) throw d.error;
      return d.value.attempts;
    });
    expect(attempts).toHaveLength(200);
    for (const a of attempts) expect(JSON.parse(new TextDecoder().decode(a.upstreamJson))).toEqual(big);
  });
});

describe('event messages', () => {
  const succeeded = (i: number, output: string) => ({
    eventId: `e${i}`,
    runId: 'r1',
    runSeq: i + 1,
    payload: {
      type: 'TaskInstanceSucceeded',
      taskId: `work[${i}]`,
      attempt: 1,
      output,
      at: 1_700_000_000_000,
    },
    actor: 'executor',
    traceId: null,
  });

  it('splits a commit of events with large outputs by size: every EventBatch stays under 1 MiB, in order, none lost', () => {
    const events = Array.from({ length: 40 }, (_, i) => succeeded(i, 'é'.repeat(100_000)));
    const messages = eventMessages(subjects('t'), events, () => null);
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(m.payload.length).toBeLessThan(1024 * 1024);
    const decoded = messages.flatMap((m) => {
      const batch = decodeRunEvents(m.subject, m.payload);
      if (!batch.ok) throw batch.error;
      return batch.events.map((e) => e.meta.runSeq);
    });
    expect(decoded).toEqual(events.map((e) => e.runSeq));
    expect(new Set(messages.map((m) => m.msgId)).size).toBe(messages.length);
  });

  it('sends a re-dispatched attempt under its own message id (not dropped as a duplicate of the first copy)', () => {
    const first = dispatchMessages(subjects('t'), [attempt(1)], () => null);
    const again = dispatchMessages(subjects('t'), [{ ...attempt(1), redispatchedAt: 42 }], () => null);
    expect(again[0]!.msgId).toBe(`${first[0]!.msgId}:requeued:42`);
  });
});
