import { create, toBinary } from '@bufbuild/protobuf';
import { TimestampSchema } from '@bufbuild/protobuf/wkt';
import type { RunEvent, RunEventType } from '@tributary/domain';
import { describe, expect, it } from 'vitest';
import { encodeEventEnvelope } from './codecs.js';
import { DecodeError } from './decode-error.js';
import { EVENT_TYPES } from './event-type.js';
import { TaskState, type RunState } from './gen/tributary/v1/common_pb.js';
import { EventEnvelopeSchema, TaskInstanceSucceededSchema, type EventEnvelope } from './gen/tributary/v1/events_pb.js';
import { InvalidEventEnvelopeError } from './invalid-event-envelope-error.js';
import { decodeRunEvent, encodeRunEvent, fromEventEnvelope, toEventEnvelope, type RunEventMeta } from './run-event-envelope.js';

const AT = Date.UTC(2026, 10, 22, 10, 0, 0, 123);
const meta: RunEventMeta = { eventId: '0190d6a4-0000-7000-8000-000000000001', runId: 'run-1', runSeq: 7, actor: 'planner', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' };

/** One example of every variant: adding a variant to the domain fails to compile until it has one here. */
const examples: { [T in RunEventType]: Extract<RunEvent, { type: T }> } = {
  TriggerAccepted: {
    type: 'TriggerAccepted',
    runId: 'run-1',
    pipelineId: 'search-quality',
    version: 3,
    params: { markets: ['LU', 'PT'], langs: { LU: ['fr', 'de'] }, limit: 10, ratio: -0.25, deep: [[[{ ok: true, none: null }]]], ünïcode: 'naïve 日本語 😀' },
    idempotencyKey: null,
    actor: 'alice@example.com',
    consolidationVia: 'fan-in',
    at: AT,
  },
  TriggerRejected: {
    type: 'TriggerRejected',
    runId: 'run-1',
    pipelineId: 'search-quality',
    issues: [
      { path: '/params/markets/0', message: 'must be a string' },
      { path: '', message: 'unknown key "marköts" — did you mean "markets"?' },
    ],
    idempotencyKey: 'key-1',
    actor: 'api',
    at: AT,
  },
  RunPlanned: { type: 'RunPlanned', groupBlocks: 0, at: AT },
  GroupsExpanded: {
    type: 'GroupsExpanded',
    blockPath: 'market=LU/lang',
    parentGroup: 'market=LU',
    groups: [
      { path: 'market=LU/lang=fr', key: 'fr', value: 'fr' },
      { path: 'market=LU/lang=de', key: 'de', value: { code: 'de', weights: [1, 2.5, 1e21], label: null } },
      { path: 'market=LU/lang=null', key: 'null', value: null },
    ],
    unresolved: null,
    error: null,
    at: AT,
  },
  TaskMapExpanded: { type: 'TaskMapExpanded', stagePath: 'retrieve', groupPath: 'market=LU', length: 0, at: AT },
  StageExpansionReset: { type: 'StageExpansionReset', stagePath: 'retrieve', groupPath: null, actor: 'bob', at: AT },
  TaskInstanceScheduled: { type: 'TaskInstanceScheduled', taskId: 'prepare', at: AT },
  TaskInstanceQueued: { type: 'TaskInstanceQueued', taskId: 'market=LU/retrieve[3]', attempt: 1, executor: 'search', at: AT },
  TaskInstanceRequeued: { type: 'TaskInstanceRequeued', taskId: 'market=LU/retrieve[3]', attempt: 1, executor: 'search', reason: 'queued 300000 ms without starting', at: AT },
  TaskInstanceStarted: { type: 'TaskInstanceStarted', taskId: 'market=LU/retrieve[3]', attempt: 2, host: 'host-1', at: AT + 1 },
  TaskInstanceSucceeded: {
    type: 'TaskInstanceSucceeded',
    taskId: 'market=LU/retrieve[3]',
    attempt: 2,
    output: { hits: [{ id: 'a', score: 0.9, tags: [] }, { id: 'b', score: 1e-7, meta: {} }], total: 2, next: null, text: 'line1\nline2\t"quoted" \\ ✓ 🚀' },
    at: AT + 2,
  },
  TaskInstanceFailed: {
    type: 'TaskInstanceFailed',
    taskId: 'market=PT/judge',
    attempt: 3,
    error: { message: 'Zeitüberschreitung nach 30 s', type: 'TimeoutError', retryable: true },
    at: AT,
  },
  TaskInstanceUpForRetry: {
    type: 'TaskInstanceUpForRetry',
    taskId: 'market=PT/judge',
    attempt: 1,
    error: { message: '', type: 'FatalError', retryable: false },
    retryAt: AT + 30_000,
    at: AT,
  },
  TaskInstanceSkipped: { type: 'TaskInstanceSkipped', taskId: 'market=PT/report', reason: 'when was false', at: AT },
  TaskInstanceUpstreamFailed: { type: 'TaskInstanceUpstreamFailed', taskId: 'market=PT/report', reason: 'upstream market=PT/judge failed', at: AT },
  TaskInstanceCancelled: { type: 'TaskInstanceCancelled', taskId: 'consolidate', reason: 'run cancelled', actor: null, at: AT },
  TaskInstanceCleared: { type: 'TaskInstanceCleared', taskId: 'market=PT/judge', actor: 'carol', reason: 'retry after fix', at: AT },
  TaskInstanceMarked: { type: 'TaskInstanceMarked', taskId: 'market=PT/judge', state: 'skipped', actor: 'carol', reason: 'known flaky', at: AT },
  GroupCompleted: { type: 'GroupCompleted', groupPath: 'market=LU', state: 'failed', at: AT },
  GroupReopened: { type: 'GroupReopened', groupPath: 'market=LU', at: AT },
  ConsolidationTriggered: {
    type: 'ConsolidationTriggered',
    round: 2,
    groups: [
      { path: 'market=LU', state: 'success' },
      { path: 'market=PT', state: 'failed' },
    ],
    at: AT,
  },
  RunCompleted: { type: 'RunCompleted', state: 'failed', reason: 'leaf market=PT/report failed', at: AT },
  RunReopened: { type: 'RunReopened', actor: 'carol', reason: 'clear market=PT/judge', at: AT },
  RunCancelled: { type: 'RunCancelled', actor: 'dave', reason: '', at: AT },
};

/** The other side of every nullable or optional field, and edge values. */
const variations: RunEvent[] = [
  { ...examples.TriggerAccepted, idempotencyKey: 'idem-ß', consolidationVia: 'planner', params: null, version: 0 },
  { ...examples.TriggerAccepted, params: [] },
  { ...examples.TriggerAccepted, params: 'just a string' },
  { ...examples.TriggerAccepted, params: 42 },
  { ...examples.TriggerRejected, idempotencyKey: null, issues: [] },
  { ...examples.TriggerRejected, idempotencyKey: '' },
  { ...examples.RunPlanned, groupBlocks: 2_147_483_647 },
  { ...examples.GroupsExpanded, parentGroup: null, groups: [], unresolved: 'upstream_failed', error: 'supplier market failed' },
  { ...examples.GroupsExpanded, unresolved: 'skipped', error: '' },
  { ...examples.TaskMapExpanded, groupPath: null, length: null },
  { ...examples.TaskMapExpanded, length: 10_000 },
  { ...examples.StageExpansionReset, groupPath: 'market=LU/lang=fr' },
  { ...examples.TaskInstanceSucceeded, output: null },
  { ...examples.TaskInstanceSucceeded, output: false },
  { ...examples.TaskInstanceSucceeded, output: { '': { 'a.b': [null, true, 0, -1, 9_007_199_254_740_991] } } },
  { ...examples.TaskInstanceSucceeded, output: JSON.parse('{"__proto__":{"polluted":true},"constructor":1}') as never },
  { ...examples.TaskInstanceCancelled, actor: 'erin' },
  { ...examples.TaskInstanceCancelled, actor: '' },
  { ...examples.TaskInstanceMarked, state: 'success' },
  { ...examples.TaskInstanceMarked, state: 'failed' },
  { ...examples.GroupCompleted, state: 'success' },
  { ...examples.ConsolidationTriggered, groups: [], round: 1 },
  { ...examples.RunCompleted, state: 'success', reason: null },
  { ...examples.RunCompleted, reason: '' },
  { ...examples.TaskInstanceScheduled, at: 0 },
  { ...examples.TaskInstanceScheduled, at: -1 },
  { ...examples.TaskInstanceScheduled, at: -62_135_596_800_000 },
  { ...examples.TaskInstanceScheduled, at: 253_402_300_799_999 },
  { ...examples.TaskInstanceUpForRetry, retryAt: AT - 999 },
  { ...examples.TaskInstanceQueued, attempt: 0, taskId: '' },
];

const allEvents: RunEvent[] = [...Object.values(examples), ...variations];

function roundTrip(event: RunEvent, m: RunEventMeta = meta): unknown {
  const result = decodeRunEvent(encodeRunEvent(event, m));
  if (!result.ok) throw result.error;
  return result;
}

describe('run event envelopes', () => {
  it('has an example of exactly the event types of the schema', () => {
    expect(Object.keys(examples)).toEqual([...EVENT_TYPES]);
  });

  it.each(allEvents.map((event, i) => [i, event.type, event] as const))('round-trips example %i (%s) through bytes, deep-equal', (_i, _type, event) => {
    expect(roundTrip(event)).toStrictEqual({ ok: true, event, meta });
  });

  it.each(allEvents.map((event) => [event.type, event] as const))('round-trips %s through the envelope message', (_type, event) => {
    const envelope = toEventEnvelope(event, meta);
    expect(fromEventEnvelope(envelope)).toStrictEqual({ ok: true, event, meta });
  });

  it('fills the header from the event and the meta', () => {
    const envelope = toEventEnvelope(examples.TaskInstanceSucceeded, { ...meta, runSeq: 12n });
    expect(envelope).toMatchObject({
      eventId: meta.eventId,
      runId: 'run-1',
      runSeq: 12n,
      type: 'TaskInstanceSucceeded',
      taskId: 'market=LU/retrieve[3]',
      attempt: 2,
      actor: 'planner',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      occurredAt: { seconds: BigInt(Math.floor((AT + 2) / 1000)), nanos: 125_000_000 },
    });
    expect(envelope.body.case).toBe('taskInstanceSucceeded');
    const runLevel = toEventEnvelope(examples.RunCompleted, meta);
    expect([runLevel.taskId, runLevel.attempt]).toEqual(['', 0]);
    const taskLevel = toEventEnvelope(examples.TaskInstanceCleared, meta);
    expect([taskLevel.taskId, taskLevel.attempt]).toEqual(['market=PT/judge', 0]);
  });

  it('names every body case after the event type', () => {
    for (const event of Object.values(examples)) {
      const { body } = toEventEnvelope(event, meta);
      expect(body.case).toBe(event.type.charAt(0).toLowerCase() + event.type.slice(1));
      expect(body.value?.$typeName).toBe(`tributary.v1.${event.type}`);
    }
  });

  it('accepts a bigint run_seq and reads it back as a number; null actor and trace id stay null', () => {
    const m = { ...meta, runSeq: 9_007_199_254_740_991n, actor: null, traceId: null };
    const envelope = toEventEnvelope(examples.RunPlanned, m);
    expect([envelope.actor, envelope.traceId]).toEqual(['', '']);
    expect(roundTrip(examples.RunPlanned, m)).toStrictEqual({ ok: true, event: examples.RunPlanned, meta: { ...m, runSeq: 9_007_199_254_740_991 } });
  });

  it('writes an empty meta actor or trace id as null', () => {
    expect(roundTrip(examples.RunPlanned, { ...meta, actor: '', traceId: '' })).toMatchObject({ meta: { actor: null, traceId: null } });
  });

  it('keeps unicode byte-exact in strings and JSON', () => {
    const event: RunEvent = { ...examples.TaskInstanceSkipped, taskId: 'märket=ŁÜ/ステージ', reason: '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u0000 nul \u2028 sep' };
    expect(roundTrip(event)).toMatchObject({ event });
    const success: RunEvent = { ...examples.TaskInstanceSucceeded, output: { '\u2028': '\uD83D\uDE00', emoji: '👩‍👩‍👧' } };
    expect(roundTrip(success)).toMatchObject({ event: success });
  });
});

describe('toEventEnvelope refuses what it cannot carry losslessly', () => {
  it.each([
    ['a fractional at', { ...examples.RunPlanned, at: AT + 0.5 }, 'RunPlanned.at: Expected an integer number of epoch milliseconds'],
    ['a NaN at', { ...examples.RunPlanned, at: Number.NaN }, 'RunPlanned.at'],
    ['an at beyond year 9999', { ...examples.RunPlanned, at: 253_402_300_800_000 }, 'RunPlanned.at'],
    ['a fractional retryAt', { ...examples.TaskInstanceUpForRetry, retryAt: 1.5 }, 'TaskInstanceUpForRetry.retryAt'],
    ['an attempt beyond int32', { ...examples.TaskInstanceQueued, attempt: 2 ** 31 }, 'TaskInstanceQueued.attempt must be an int32, got 2147483648'],
    ['a fractional length', { ...examples.TaskMapExpanded, length: 1.5 }, 'TaskMapExpanded.length must be an int32'],
    ['NaN in JSON', { ...examples.TaskInstanceSucceeded, output: { score: Number.NaN } }, 'TaskInstanceSucceeded.output cannot be serialised as JSON: NaN at key "score" has no JSON form'],
    ['Infinity in a group value', { ...examples.GroupsExpanded, groups: [{ path: 'p', key: 'k', value: [Infinity] }] }, 'GroupsExpanded.groups[0].value cannot be serialised'],
    ['undefined params', { ...examples.TriggerAccepted, params: undefined as never }, 'TriggerAccepted.params is not a JSON value'],
    ['an unknown state', { ...examples.GroupCompleted, state: 'running' as never }, 'GroupCompleted.state must be one of "success", "failed", got "running"'],
    ['an unknown consolidationVia', { ...examples.TriggerAccepted, consolidationVia: 'nope' as never }, 'TriggerAccepted.consolidationVia must be one of'],
    ['an unknown event type', { type: 'TaskInstanceCreated', at: AT } as never, 'Unknown run event type "TaskInstanceCreated"'],
  ] as const)('%s', (_what, event, message) => {
    expect(() => toEventEnvelope(event as RunEvent, meta)).toThrow(message);
  });

  it.each([
    ['runSeq 0', { ...meta, runSeq: 0 }, 'meta.runSeq must be an integer from 1 to 9007199254740991, got 0'],
    ['a fractional runSeq', { ...meta, runSeq: 1.5 }, 'meta.runSeq'],
    ['an unsafe bigint runSeq', { ...meta, runSeq: 9_007_199_254_740_992n }, 'meta.runSeq'],
    ['an empty event id', { ...meta, eventId: '' }, 'meta.eventId must be a non-empty string'],
    ['an empty run id', { ...meta, runId: '' }, 'meta.runId must be a non-empty string'],
  ] as const)('%s in meta', (_what, m, message) => {
    expect(() => toEventEnvelope(examples.RunPlanned, m)).toThrow(message);
  });

  it('a trigger event of another run', () => {
    expect(() => toEventEnvelope(examples.TriggerAccepted, { ...meta, runId: 'run-2' })).toThrow('TriggerAccepted.runId "run-1" differs from meta.runId "run-2"');
  });
});

describe('decoding refuses envelopes that hold no valid event', () => {
  function tampered(event: RunEvent, edit: (envelope: EventEnvelope) => void): Uint8Array {
    const envelope = toEventEnvelope(event, meta);
    edit(envelope);
    return toBinary(EventEnvelopeSchema, envelope);
  }

  function refusal(bytes: Uint8Array): DecodeError {
    const result = decodeRunEvent(bytes);
    expect(result.ok).toBe(false);
    if (result.ok) throw new Error('decoded');
    expect(result.error).toBeInstanceOf(DecodeError);
    expect(result.error.byteLength).toBe(bytes.byteLength);
    return result.error;
  }

  it.each([
    ['an over-long varint', new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
    ['an invalid wire type', new Uint8Array([0x0f, 0x01])],
    ['a length beyond the end', new Uint8Array([0x0a, 0x7f, 0x61])],
    ['JSON text', new TextEncoder().encode(JSON.stringify(examples.RunPlanned))],
    ['random bytes', Uint8Array.from({ length: 64 }, (_, i) => (i * 193 + 71) % 256)],
    ['a truncated event', encodeRunEvent(examples.TaskInstanceSucceeded, meta).subarray(0, 40)],
  ])('garbage: %s', (_what, bytes) => {
    expect(refusal(bytes).message).toMatch(/^Cannot decode tributary\.v1\.EventEnvelope from \d+ bytes: ./);
  });

  it('a non-byte input, without throwing', () => {
    expect(decodeRunEvent('hello' as unknown as Uint8Array).ok).toBe(false);
    expect(decodeRunEvent(null as unknown as Uint8Array).ok).toBe(false);
  });

  it.each([
    ['empty bytes (no body)', new Uint8Array(0), 'body is not set'],
    ['a body of a newer schema (unknown field)', encodeEventEnvelope({ eventId: 'e', runId: 'r', runSeq: 1n, type: 'Future', $unknown: [{ no: 99, wireType: 2, data: new Uint8Array([0]) }] }), 'body is not set'],
    ['a type that disagrees with the body', tampered(examples.RunPlanned, (e) => (e.type = 'RunCompleted')), 'type is "RunCompleted" but the body is a RunPlanned'],
    ['a task id that disagrees with the body', tampered(examples.TaskInstanceScheduled, (e) => (e.taskId = 'other')), 'taskId is "other"'],
    ['an attempt that disagrees with the body', tampered(examples.TaskInstanceQueued, (e) => (e.attempt = 9)), 'attempt is 9 but the body\'s is 1'],
    ['an occurred_at that disagrees with at', tampered(examples.RunPlanned, (e) => (e.occurredAt = create(TimestampSchema, { seconds: 1n }))), 'occurredAt is 1000 ms'],
    ['a missing occurred_at', tampered(examples.RunPlanned, (e) => (e.occurredAt = undefined)), 'occurredAt is missing'],
    ['an empty event id', tampered(examples.RunPlanned, (e) => (e.eventId = '')), 'eventId is empty'],
    ['run_seq 0', tampered(examples.RunPlanned, (e) => (e.runSeq = 0n)), 'runSeq is 0'],
    ['an unsafe run_seq', tampered(examples.RunPlanned, (e) => (e.runSeq = 2n ** 60n)), 'runSeq is 1152921504606846976'],
    ['a trigger of another run', tampered(examples.TriggerRejected, (e) => (e.runId = 'run-2')), 'runId is "run-2"'],
    ['a missing at', tampered(examples.RunPlanned, (e) => { if (e.body.case === 'runPlanned') e.body.value.at = undefined; }), 'body.runPlanned.at is missing'],
    ['sub-millisecond nanos', tampered(examples.RunPlanned, (e) => { if (e.body.case === 'runPlanned') e.body.value.at!.nanos += 1; }), 'not a whole number of milliseconds'],
    ['an empty JSON value', tampered(examples.TaskInstanceSucceeded, (e) => { if (e.body.case === 'taskInstanceSucceeded') e.body.value.outputJson = new Uint8Array(0); }), 'body.taskInstanceSucceeded.outputJson is empty'],
    ['invalid JSON', tampered(examples.TriggerAccepted, (e) => { if (e.body.case === 'triggerAccepted') e.body.value.paramsJson = new TextEncoder().encode('{not json'); }), 'body.triggerAccepted.paramsJson is not UTF-8 JSON'],
    ['invalid UTF-8 in JSON', tampered(examples.GroupsExpanded, (e) => { if (e.body.case === 'groupsExpanded') e.body.value.groups[1]!.valueJson = new Uint8Array([0x22, 0xff, 0x22]); }), 'body.groupsExpanded.groups[1].valueJson is not UTF-8 JSON'],
    ['a state the domain does not allow', tampered(examples.TaskInstanceMarked, (e) => { if (e.body.case === 'taskInstanceMarked') e.body.value.state = TaskState.RUNNING; }), 'body.taskInstanceMarked.state has value 4'],
    ['an unspecified group state', tampered(examples.ConsolidationTriggered, (e) => { if (e.body.case === 'consolidationTriggered') e.body.value.groups[1]!.state = 0; }), 'body.consolidationTriggered.groups[1].state has value 0'],
    ['an unknown enum number', tampered(examples.RunCompleted, (e) => { if (e.body.case === 'runCompleted') e.body.value.state = 42 as RunState; }), 'body.runCompleted.state has value 42'],
    ['a missing error', tampered(examples.TaskInstanceFailed, (e) => { if (e.body.case === 'taskInstanceFailed') e.body.value.error = undefined; }), 'body.taskInstanceFailed.error is missing'],
  ])('%s', (_what, bytes, reason) => {
    const error = refusal(bytes);
    expect(error.cause).toBeInstanceOf(InvalidEventEnvelopeError);
    expect(error.message).toContain(reason);
  });

  it('fromEventEnvelope returns the InvalidEventEnvelopeError itself, with the field', () => {
    const envelope = toEventEnvelope(examples.GroupCompleted, meta);
    if (envelope.body.case === 'groupCompleted') envelope.body.value.state = 1;
    const result = fromEventEnvelope(envelope);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(InvalidEventEnvelopeError);
    expect(result.error).toMatchObject({ name: 'InvalidEventEnvelopeError', field: 'body.groupCompleted.state' });
    expect(result.error.message).toBe('Invalid tributary.v1.EventEnvelope: body.groupCompleted.state has value 1, not one of 2, 3');
  });

  it('fromEventEnvelope does not throw on a malformed message object', () => {
    const broken = { ...toEventEnvelope(examples.TaskInstanceSucceeded, meta), body: { case: 'taskInstanceSucceeded', value: null } } as unknown as EventEnvelope;
    const result = fromEventEnvelope(broken);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.field).toBe('envelope');
  });

  it('ignores ErrorInfo details and stack, which the domain error does not have', () => {
    const bytes = tampered(examples.TaskInstanceFailed, (e) => {
      if (e.body.case === 'taskInstanceFailed') Object.assign(e.body.value.error!, { detailsJson: new TextEncoder().encode('{"x":1}'), stack: 'at x' });
    });
    expect(decodeRunEvent(bytes)).toStrictEqual({ ok: true, event: examples.TaskInstanceFailed, meta });
  });

  it('produces messages of the generated schemas', () => {
    const { body } = toEventEnvelope(examples.TaskInstanceSucceeded, meta);
    expect(body.value?.$typeName).toBe(TaskInstanceSucceededSchema.typeName);
  });
});
