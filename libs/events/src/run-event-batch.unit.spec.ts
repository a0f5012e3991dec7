import { describe, expect, it } from 'vitest';
import type { RunEvent } from '@tributary/domain';
import { create, toBinary } from '@bufbuild/protobuf';
import { EventBatchSchema } from './gen/tributary/v1/events_pb.js';
import { decodeRunEvents, encodeRunEventBatch } from './run-event-batch.js';
import { encodeRunEvent, toEventEnvelope } from './run-event-envelope.js';
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

  it('refuses a JSON batch whose events lack a type or belong to another run, naming the event', () => {
    const batch = (items: unknown) =>
      toBinary(EventBatchSchema, create(EventBatchSchema, { runId: 'r1', eventsJson: new TextEncoder().encode(JSON.stringify(items)) }));
    const subject = 't.event.task.r1.EventBatch';
    const other = decodeRunEvents(subject, batch([{ meta: { ...meta(1), runId: 'r2' }, event: events[0] }]));
    expect(other.ok).toBe(false);
    expect(!other.ok && String(other.error.cause)).toMatch(/\[0\]\.meta\.runId "r2"/);
    const untyped = decodeRunEvents(subject, batch([{ meta: meta(1), event: events[0] }, { meta: meta(2), event: {} }]));
    expect(!untyped.ok && String(untyped.error.cause)).toMatch(/\[1\]\.event has no type/);
    expect(decodeRunEvents(subject, batch({ not: 'a list' })).ok).toBe(false);
  });

  it('still reads batches of typed envelopes', () => {
    const bytes = toBinary(
      EventBatchSchema,
      create(EventBatchSchema, { runId: 'r1', events: events.map((event, i) => toEventEnvelope(event, meta(i + 1))) }),
    );
    const decoded = decodeRunEvents('t.event.task.r1.EventBatch', bytes);
    expect(decoded.ok && decoded.events.map((d) => d.event)).toEqual(events);
  });
});
