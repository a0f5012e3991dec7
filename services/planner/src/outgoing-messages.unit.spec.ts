import { describe, expect, it } from 'vitest';
import type { AttemptPayload } from '@tributary/domain';
import { decodeDispatchBatch, subjects } from '@tributary/events';
import { dispatchMessages, MAX_ATTEMPTS_PER_DISPATCH, MAX_DISPATCH_BYTES } from './outgoing-messages.js';

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
  it('batches attempts per executor, at most MAX_ATTEMPTS_PER_DISPATCH each, with deterministic msg ids', () => {
    const list = Array.from({ length: 450 }, (_, i) => attempt(i));
    const messages = dispatchMessages(subjects('t'), list, () => null);
    expect(
      messages.map((m) => decodeDispatchBatch(m.payload)).map((d) => (d.ok ? d.value.attempts.length : -1)),
    ).toEqual([MAX_ATTEMPTS_PER_DISPATCH, MAX_ATTEMPTS_PER_DISPATCH, 50]);
    expect(messages[0]!.subject).toBe('t.task.noop');
    expect(dispatchMessages(subjects('t'), list, () => null).map((m) => m.msgId)).toEqual(
      messages.map((m) => m.msgId),
    );
  });

  it('keeps every message under the payload limit when attempts carry large upstream outputs', () => {
    const big = { list: Array.from({ length: 5000 }, (_, i) => `item-${i}`) };
    const messages = dispatchMessages(
      subjects('t'),
      Array.from({ length: 200 }, (_, i) => attempt(i, big)),
      () => null,
    );
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(m.payload.length).toBeLessThan(MAX_DISPATCH_BYTES + 200_000);
    const total = messages.reduce(
      (n, m) =>
        n + (decodeDispatchBatch(m.payload) as { value: { attempts: unknown[] } }).value.attempts.length,
      0,
    );
    expect(total).toBe(200);
  });
});
