import { describe, expect, it } from 'vitest';
import type { RunEvent } from '@tributary/domain';
import { decodeRunEvents, encodeRunEventBatch } from './run-event-batch.js';
import { encodeRunEvent } from './run-event-envelope.js';
import { subjects } from './subjects.js';

const meta = (runSeq: number) => ({ eventId: `e-${runSeq}`, runId: 'r1', runSeq, actor: 'planner', traceId: null });
const events: RunEvent[] = [
  { type: 'TaskInstanceQueued', taskId: 'market=LU/a', attempt: 1, executor: 'noop', at: 1_700_000_000_000 },
  { type: 'TaskInstanceSucceeded', taskId: 'market=LU/a', attempt: 1, output: { n: [1, 2] }, at: 1_700_000_000_005 },
];

describe('event batches', () => {
  it('round-trips the events of one commit in order, on the task family subject', () => {
    const subject = subjects('t').eventBatch('r1');
    expect(subject).toBe('t.event.task.r1.EventBatch');
    const decoded = decodeRunEvents(subject, encodeRunEventBatch('r1', events.map((event, i) => ({ event, meta: meta(i + 1) }))));
    expect(decoded.ok && decoded.events.map((d) => [d.event, d.meta.runSeq])).toEqual([[events[0], 1], [events[1], 2]]);
  });

  it('decodes a single event by its subject, refuses garbage and events of another run', () => {
    const single = decodeRunEvents(subjects('t').event('r1', 'TaskInstanceQueued'), encodeRunEvent(events[0]!, meta(1)));
    expect(single.ok && single.events.map((d) => d.event)).toEqual([events[0]]);
    expect(decodeRunEvents('t.event.task.r1.EventBatch', new Uint8Array([9, 9, 9])).ok).toBe(false);
    expect(() => encodeRunEventBatch('r2', [{ event: events[0]!, meta: meta(1) }])).toThrow(/belongs to run r1/);
    expect(() => encodeRunEventBatch('r1', [])).toThrow(/at least one/);
  });
});
