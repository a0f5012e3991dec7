import { create, equals } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import {
  decodeConsolidationDue,
  decodeDispatchBatch,
  decodeEventEnvelope,
  decodeHeartbeat,
  decodeMessage,
  decodeOperatorCommandReply,
  decodeOperatorCommandRequest,
  decodeResultBatch,
  decodeTriggerRun,
  encodeConsolidationDue,
  encodeDispatchBatch,
  encodeEventEnvelope,
  encodeHeartbeat,
  encodeOperatorCommandReply,
  encodeOperatorCommandRequest,
  encodeResultBatch,
  encodeTriggerRun,
} from './codecs.js';
import { DecodeError } from './decode-error.js';
import { EventEnvelopeSchema, type EventEnvelope } from './gen/tributary/v1/events_pb.js';
import { GroupState, RunState, TaskState } from './gen/tributary/v1/common_pb.js';
import { OperatorCommandReplySchema, OperatorCommandRequestSchema } from './gen/tributary/v1/control_pb.js';
import { ConsolidationDueSchema } from './gen/tributary/v1/fan_in_pb.js';
import { AttemptOutcome, DispatchBatchSchema, HeartbeatSchema, ResultBatchSchema, type AttemptDispatch } from './gen/tributary/v1/task_pb.js';
import { TriggerRunSchema } from './gen/tributary/v1/trigger_pb.js';
import { jsonToBytes } from './json-bytes.js';

const at = timestampFromDate(new Date('2026-11-22T10:00:00.123Z'));

function attempt(i: number): Omit<AttemptDispatch, '$typeName' | '$unknown'> {
  return {
    attemptId: `run-1/market=LU/retrieve[${i}]#1`,
    runId: 'run-1',
    taskId: `market=LU/retrieve[${i}]`,
    stage: 'retrieve',
    groupPath: 'market=LU',
    mapIndex: i,
    attempt: 1,
    inputJson: jsonToBytes({ query: `q${i}`, ünïcode: '✓' }),
    paramsJson: jsonToBytes({ markets: ['LU', 'PT'] }),
    groupJson: jsonToBytes({ key: 'LU', value: 'LU', path: 'market=LU', parent: null }),
    upstreamJson: jsonToBytes({ generate: { queries: [1, 2, 3] } }),
    upstreamIndicesJson: new Uint8Array(),
    itemJson: jsonToBytes(i),
    timeoutMs: 300_000,
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    tracestate: 'vendor=x',
    pipelineId: 'search-quality',
  };
}

describe('dispatch batch codec', () => {
  it('round-trips a batch of one, keeping an unset map index unset', () => {
    const batch = create(DispatchBatchSchema, {
      batchId: 'dispatch-abc',
      executor: 'search',
      attempts: [{ ...attempt(0), mapIndex: undefined }],
    });
    const decoded = decodeDispatchBatch(encodeDispatchBatch(batch));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(equals(DispatchBatchSchema, decoded.value, batch)).toBe(true);
    expect(decoded.value.attempts[0]!.mapIndex).toBeUndefined();
  });

  it('keeps map index 0 distinct from unset', () => {
    const decoded = decodeDispatchBatch(encodeDispatchBatch({ batchId: 'b', executor: 'e', attempts: [attempt(0)] }));
    expect(decoded.ok && decoded.value.attempts[0]!.mapIndex).toBe(0);
  });

  it('round-trips a batch of 1000 attempts', () => {
    const batch = create(DispatchBatchSchema, {
      batchId: 'dispatch-1000',
      executor: 'search',
      attempts: Array.from({ length: 1000 }, (_, i) => attempt(i)),
    });
    const bytes = encodeDispatchBatch(batch);
    const decoded = decodeDispatchBatch(bytes);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.value.attempts).toHaveLength(1000);
    expect(decoded.value.attempts[999]!.taskId).toBe('market=LU/retrieve[999]');
    expect(equals(DispatchBatchSchema, decoded.value, batch)).toBe(true);
  });
});

describe('result batch codec', () => {
  it('round-trips results of every outcome, with errors and timestamps', () => {
    const batch = create(ResultBatchSchema, {
      batchId: 'result-abc',
      results: [
        { attemptId: 'r/a#1', runId: 'r', taskId: 'a', attempt: 1, outcome: AttemptOutcome.SUCCESS, outputJson: jsonToBytes({ n: 1 }), startedAt: at, finishedAt: at, executor: 'echo', host: 'h1' },
        { attemptId: 'r/b#2', runId: 'r', taskId: 'b', attempt: 2, outcome: AttemptOutcome.FAILED, error: { message: 'boom', type: 'Error', retryable: true, detailsJson: jsonToBytes({ status: 503 }) } },
        { attemptId: 'r/c#1', runId: 'r', taskId: 'c', attempt: 1, outcome: AttemptOutcome.SKIPPED },
        { attemptId: 'r/d#1', runId: 'r', taskId: 'd', attempt: 1, outcome: AttemptOutcome.FATAL, error: { message: 'bad input', type: 'FatalError', retryable: false } },
      ],
    });
    const decoded = decodeResultBatch(encodeResultBatch(batch));
    expect(decoded.ok && equals(ResultBatchSchema, decoded.value, batch)).toBe(true);
  });

  it('round-trips a batch of 1000 results', () => {
    const batch = create(ResultBatchSchema, {
      batchId: 'result-1000',
      results: Array.from({ length: 1000 }, (_, i) => ({ attemptId: `r/t${i}#1`, runId: 'r', taskId: `t${i}`, attempt: 1, outcome: AttemptOutcome.SUCCESS, outputJson: jsonToBytes(i) })),
    });
    const decoded = decodeResultBatch(encodeResultBatch(batch));
    expect(decoded.ok && decoded.value.results.length).toBe(1000);
    expect(decoded.ok && equals(ResultBatchSchema, decoded.value, batch)).toBe(true);
  });
});

describe('trigger codec', () => {
  it('round-trips with and without a pipeline version', () => {
    for (const pipelineVersion of [undefined, 0, 3]) {
      const trigger = create(TriggerRunSchema, {
        pipelineId: 'search-quality',
        pipelineVersion,
        paramsJson: jsonToBytes({ markets: ['LU'] }),
        idempotencyKey: 'k-1',
        actor: 'alice',
        requestedAt: at,
        runId: '0190d6a4-0000-7000-8000-000000000000',
      });
      const decoded = decodeTriggerRun(encodeTriggerRun(trigger));
      expect(decoded.ok && equals(TriggerRunSchema, decoded.value, trigger)).toBe(true);
      expect(decoded.ok && decoded.value.pipelineVersion).toBe(pipelineVersion);
    }
  });
});

describe('event envelope codec', () => {
  it('round-trips every body case', () => {
    const oneof = EventEnvelopeSchema.oneofs[0]!;
    expect(oneof.fields).toHaveLength(24);
    for (const [i, field] of oneof.fields.entries()) {
      const envelope = create(EventEnvelopeSchema, {
        eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        runId: 'run-1',
        runSeq: BigInt(i + 1),
        type: field.message!.name,
        taskId: 'market=LU/report',
        attempt: 2,
        actor: 'planner',
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        occurredAt: at,
        body: { case: field.localName, value: create(field.message!, {}) } as EventEnvelope['body'],
      });
      const decoded = decodeEventEnvelope(encodeEventEnvelope(envelope));
      expect(decoded.ok).toBe(true);
      if (!decoded.ok) return;
      expect(decoded.value.body.case).toBe(field.localName);
      expect(equals(EventEnvelopeSchema, decoded.value, envelope)).toBe(true);
    }
  });

  it('round-trips bodies with content', () => {
    const envelopes = [
      create(EventEnvelopeSchema, {
        eventId: 'e1', runId: 'r', runSeq: 9_007_199_254_740_993n, type: 'TriggerRejected',
        body: { case: 'triggerRejected', value: { runId: 'r', pipelineId: 'p', idempotencyKey: '', actor: 'api', at, issues: [{ path: '/markets', message: 'is required' }, { path: '/x', message: 'unknown key' }] } },
      }),
      create(EventEnvelopeSchema, {
        eventId: 'e2', runId: 'r', runSeq: 2n, type: 'TaskInstanceUpForRetry', taskId: 'a', attempt: 1,
        body: { case: 'taskInstanceUpForRetry', value: { taskId: 'a', attempt: 1, retryAt: at, at, error: { message: 'timeout', type: 'TimeoutError', retryable: true } } },
      }),
      create(EventEnvelopeSchema, {
        eventId: 'e3', runId: 'r', runSeq: 3n, type: 'ConsolidationTriggered', actor: 'fan-in',
        body: { case: 'consolidationTriggered', value: { round: 2, at, groups: [{ path: 'market=LU', state: GroupState.SUCCESS }, { path: 'market=PT', state: GroupState.FAILED }] } },
      }),
      create(EventEnvelopeSchema, {
        eventId: 'e4', runId: 'r', runSeq: 4n, type: 'RunCompleted',
        body: { case: 'runCompleted', value: { state: RunState.FAILED, reason: 'leaf market=PT/report failed', at } },
      }),
      create(EventEnvelopeSchema, {
        eventId: 'e5', runId: 'r', runSeq: 5n, type: 'TaskMapExpanded',
        body: { case: 'taskMapExpanded', value: { stagePath: 'retrieve', length: 0, at } },
      }),
    ];
    for (const envelope of envelopes) {
      const decoded = decodeEventEnvelope(encodeEventEnvelope(envelope));
      expect(decoded.ok && equals(EventEnvelopeSchema, decoded.value, envelope)).toBe(true);
    }
  });

  it('keeps optional fields unset, distinct from empty or zero', () => {
    const unset = create(EventEnvelopeSchema, { body: { case: 'taskMapExpanded', value: { stagePath: 's' } } });
    const decoded = decodeEventEnvelope(encodeEventEnvelope(unset));
    expect(decoded.ok && decoded.value.body.case === 'taskMapExpanded' && [decoded.value.body.value.groupPath, decoded.value.body.value.length]).toEqual([undefined, undefined]);
  });
});

describe('heartbeat codec', () => {
  it('round-trips', () => {
    const heartbeat = create(HeartbeatSchema, { attemptIds: ['r/a#1', 'r/b#3'], host: 'host-1', at, executor: 'sleep' });
    const decoded = decodeHeartbeat(encodeHeartbeat(heartbeat));
    expect(decoded.ok && equals(HeartbeatSchema, decoded.value, heartbeat)).toBe(true);
  });
});

describe('operator command codecs', () => {
  it('round-trip each command and reply', () => {
    const requests = [
      create(OperatorCommandRequestSchema, { runId: 'r', actor: 'otto', reason: 'fixed', command: { case: 'clear', value: { taskIds: ['market=LU', '*/score'], downstream: true, states: { states: [TaskState.FAILED] }, dryRun: true } } }),
      create(OperatorCommandRequestSchema, { runId: 'r', actor: 'otto', command: { case: 'mark', value: { taskId: 'consolidate', state: TaskState.SKIPPED } } }),
      create(OperatorCommandRequestSchema, { runId: 'r', actor: 'otto', reason: 'wrong params', command: { case: 'cancel', value: {} } }),
    ];
    for (const request of requests) {
      const decoded = decodeOperatorCommandRequest(encodeOperatorCommandRequest(request));
      expect(decoded.ok && equals(OperatorCommandRequestSchema, decoded.value, request)).toBe(true);
    }
    const replies = [
      create(OperatorCommandReplySchema, { outcome: { case: 'done', value: { taskIds: ['a', 'consolidate'] } } }),
      create(OperatorCommandReplySchema, { outcome: { case: 'refused', value: { code: 'run_finished', message: 'run r is already success' } } }),
    ];
    for (const reply of replies) {
      const decoded = decodeOperatorCommandReply(encodeOperatorCommandReply(reply));
      expect(decoded.ok && equals(OperatorCommandReplySchema, decoded.value, reply)).toBe(true);
    }
  });

  it('keeps an absent reason and state filter absent', () => {
    const decoded = decodeOperatorCommandRequest(encodeOperatorCommandRequest({ runId: 'r', actor: 'otto', command: { case: 'clear', value: { taskIds: ['a'] } } }));
    expect(decoded.ok && [decoded.value.reason, decoded.value.command.case === 'clear' && decoded.value.command.value.states]).toEqual([undefined, undefined]);
  });
});

describe('consolidation due codec (the fan-in\'s message)', () => {
  it('round-trips', () => {
    const due = create(ConsolidationDueSchema, {
      runId: 'run-1', round: 2, at, runSeq: 41n, traceId: '0af7651916cd43dd8448eb211c80319c',
      groups: [{ path: 'market=LU', state: GroupState.SUCCESS }, { path: 'market=PT', state: GroupState.FAILED }],
    });
    const decoded = decodeConsolidationDue(encodeConsolidationDue(due));
    expect(decoded.ok && equals(ConsolidationDueSchema, decoded.value, due)).toBe(true);
  });

  it('refuses a message without run id or round, naming the field', () => {
    const noRun = decodeConsolidationDue(new Uint8Array(0));
    expect(!noRun.ok && noRun.error.message).toBe('Cannot decode tributary.v1.ConsolidationDue from 0 bytes: run_id is empty');
    const roundZero = decodeConsolidationDue(encodeConsolidationDue({ runId: 'run-1', round: 0 }));
    expect(!roundZero.ok && roundZero.error.message).toMatch(/^Cannot decode tributary\.v1\.ConsolidationDue from \d+ bytes: round is 0, expected 1 or more$/);
  });

  it('does not read a run event envelope as one (the message it replaced)', () => {
    const envelope = encodeEventEnvelope({ eventId: 'e', runId: 'run-1', runSeq: 3n, actor: 'fan-in', body: { case: 'consolidationTriggered', value: { round: 1, groups: [], at } } });
    expect(decodeConsolidationDue(envelope).ok).toBe(false);
  });
});

describe('decoding garbage', () => {
  const decoders = { decodeConsolidationDue, decodeDispatchBatch, decodeResultBatch, decodeTriggerRun, decodeEventEnvelope, decodeHeartbeat, decodeOperatorCommandRequest, decodeOperatorCommandReply };
  const garbage: Record<string, Uint8Array> = {
    'an over-long varint': new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    'an invalid wire type': new Uint8Array([0x0f, 0x01]),
    'a length beyond the end': new Uint8Array([0x0a, 0x7f, 0x61]),
    'JSON text': new TextEncoder().encode('{"batchId":"x","attempts":[]}'),
    'a truncated valid message': encodeDispatchBatch({ batchId: 'b', executor: 'e', attempts: [attempt(1), attempt(2)] }).subarray(0, 200),
  };

  for (const [name, decode] of Object.entries(decoders)) {
    for (const [what, bytes] of Object.entries(garbage)) {
      it(`${name} returns ok:false for ${what}`, () => {
        const result = decode(bytes);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.error).toBeInstanceOf(DecodeError);
        expect(result.error.name).toBe('DecodeError');
        expect(result.error.message).toMatch(/^Cannot decode tributary\.v1\.\w+ from \d+ bytes: ./);
        expect(result.error.cause).toBeInstanceOf(Error);
        expect(result.error.byteLength).toBe(bytes.byteLength);
      });
    }
  }

  it('returns ok:false, not a TypeError, for a non-byte input', () => {
    const result = decodeMessage(DispatchBatchSchema, 'hello' as unknown as Uint8Array);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toContain('expected a Uint8Array, got string');
  });

  it('decodes empty bytes as the empty message (protobuf has no "missing" message)', () => {
    const result = decodeDispatchBatch(new Uint8Array(0));
    expect(result.ok && result.value.attempts).toEqual([]);
  });
});
