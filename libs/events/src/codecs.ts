/**
 * Binary codecs of every message that crosses NATS. Encoders accept a message
 * or its init shape (plain object); decoders never throw and return a
 * {@link DecodeResult}. Unknown fields (from newer schema versions) are kept.
 */
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { DecodeError, type DecodeResult } from './decode-error.js';
import {
  OperatorCommandReplySchema,
  OperatorCommandRequestSchema,
  type OperatorCommandReply,
  type OperatorCommandRequest,
} from './gen/tributary/v1/control_pb.js';
import { EventEnvelopeSchema, type EventEnvelope } from './gen/tributary/v1/events_pb.js';
import { ConsolidationDueSchema, type ConsolidationDue } from './gen/tributary/v1/fan_in_pb.js';
import { HostPresenceSchema, type HostPresence } from './gen/tributary/v1/presence_pb.js';
import { DispatchBatchSchema, HeartbeatSchema, ResultBatchSchema, type DispatchBatch, type Heartbeat, type ResultBatch } from './gen/tributary/v1/task_pb.js';
import { TriggerRunSchema, type TriggerRun } from './gen/tributary/v1/trigger_pb.js';

/** Encodes `message` of `schema` to protobuf binary (works for any generated schema). */
export function encodeMessage<Desc extends DescMessage>(schema: Desc, message: MessageInitShape<Desc>): Uint8Array {
  return toBinary(schema, create(schema, message));
}

/** Decodes protobuf binary as `schema`; returns `ok: false` with a {@link DecodeError} instead of throwing. */
export function decodeMessage<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): DecodeResult<MessageShape<Desc>> {
  if (!(bytes instanceof Uint8Array)) {
    return { ok: false, error: new DecodeError(schema.typeName, 0, new TypeError(`expected a Uint8Array, got ${describe(bytes)}`)) };
  }
  try {
    return { ok: true, value: fromBinary(schema, bytes) };
  } catch (cause) {
    return { ok: false, error: new DecodeError(schema.typeName, bytes.byteLength, cause) };
  }
}

/** Encodes a {@link DispatchBatch} (planner → executor, `task.<executor>`). */
export function encodeDispatchBatch(batch: MessageInitShape<typeof DispatchBatchSchema>): Uint8Array {
  return encodeMessage(DispatchBatchSchema, batch);
}

/**
 * Decodes a {@link DispatchBatch}; never throws. Every attempt comes out with its params and upstream
 * outputs: an attempt whose `paramsJson` is empty gets its run's from the batch's `runs`, one whose
 * `upstreamJson` is empty its slot's from `slots` (each sent once per batch). Attempts sharing them share
 * the same bytes, so a consumer can parse them once.
 */
export function decodeDispatchBatch(bytes: Uint8Array): DecodeResult<DispatchBatch> {
  const decoded = decodeMessage(DispatchBatchSchema, bytes);
  if (!decoded.ok) return decoded;
  const { runs, slots, attempts } = decoded.value;
  if (runs.length === 0 && slots.length === 0) return decoded;
  const paramsOf = new Map(runs.map((run) => [run.runId, run.paramsJson]));
  const upstreamOf = new Map(slots.map((slot) => [slotKey(slot.runId, slot.stage, slot.groupPath), slot.upstreamJson]));
  const indicesOf = new Map(slots.map((slot) => [slotKey(slot.runId, slot.stage, slot.groupPath), slot.upstreamIndicesJson]));
  for (const attempt of attempts) {
    if (attempt.paramsJson.length === 0) attempt.paramsJson = paramsOf.get(attempt.runId) ?? attempt.paramsJson;
    if (attempt.upstreamJson.length === 0)
      attempt.upstreamJson = upstreamOf.get(slotKey(attempt.runId, attempt.stage, attempt.groupPath)) ?? attempt.upstreamJson;
    if (attempt.upstreamIndicesJson.length === 0)
      attempt.upstreamIndicesJson = indicesOf.get(slotKey(attempt.runId, attempt.stage, attempt.groupPath)) ?? attempt.upstreamIndicesJson;
  }
  return decoded;
}

/** The key of a {@link SlotContext}: run, stage and group path. */
export function slotKey(runId: string, stage: string, groupPath: string): string {
  return `${runId}\u0000${stage}\u0000${groupPath}`;
}

/** Encodes a {@link ResultBatch} (executor → planner, `result.<runId>`). */
export function encodeResultBatch(batch: MessageInitShape<typeof ResultBatchSchema>): Uint8Array {
  return encodeMessage(ResultBatchSchema, batch);
}

/** Decodes a {@link ResultBatch}; never throws. */
export function decodeResultBatch(bytes: Uint8Array): DecodeResult<ResultBatch> {
  return decodeMessage(ResultBatchSchema, bytes);
}

/** Encodes a {@link TriggerRun} (ingress → planner, `trigger.<pipelineId>`). */
export function encodeTriggerRun(trigger: MessageInitShape<typeof TriggerRunSchema>): Uint8Array {
  return encodeMessage(TriggerRunSchema, trigger);
}

/** Decodes a {@link TriggerRun}; never throws. */
export function decodeTriggerRun(bytes: Uint8Array): DecodeResult<TriggerRun> {
  return decodeMessage(TriggerRunSchema, bytes);
}

/** Encodes an {@link EventEnvelope} (`event.<runId>.<type>`, and the event log's payload). */
export function encodeEventEnvelope(envelope: MessageInitShape<typeof EventEnvelopeSchema>): Uint8Array {
  return encodeMessage(EventEnvelopeSchema, envelope);
}

/**
 * Decodes an {@link EventEnvelope}; never throws. A body from a newer schema
 * decodes with `body.case === undefined` (kept as unknown fields).
 */
export function decodeEventEnvelope(bytes: Uint8Array): DecodeResult<EventEnvelope> {
  return decodeMessage(EventEnvelopeSchema, bytes);
}

/** Encodes a {@link Heartbeat} (executor host, `heartbeat.<executor>`). */
export function encodeHeartbeat(heartbeat: MessageInitShape<typeof HeartbeatSchema>): Uint8Array {
  return encodeMessage(HeartbeatSchema, heartbeat);
}

/** Decodes a {@link Heartbeat}; never throws. */
export function decodeHeartbeat(bytes: Uint8Array): DecodeResult<Heartbeat> {
  return decodeMessage(HeartbeatSchema, bytes);
}

/** Encodes a {@link HostPresence} (a host's answer on `presence.query`). */
export function encodeHostPresence(presence: MessageInitShape<typeof HostPresenceSchema>): Uint8Array {
  return encodeMessage(HostPresenceSchema, presence);
}

/** Decodes a {@link HostPresence}; never throws. */
export function decodeHostPresence(bytes: Uint8Array): DecodeResult<HostPresence> {
  return decodeMessage(HostPresenceSchema, bytes);
}

/** Encodes a {@link ConsolidationDue} (fan-in → consolidator, `event.fanin.<runId>.ConsolidationDue`). */
export function encodeConsolidationDue(due: MessageInitShape<typeof ConsolidationDueSchema>): Uint8Array {
  return encodeMessage(ConsolidationDueSchema, due);
}

/** Decodes a {@link ConsolidationDue}; never throws. A message without run id or with a round below 1 is refused. */
export function decodeConsolidationDue(bytes: Uint8Array): DecodeResult<ConsolidationDue> {
  const decoded = decodeMessage(ConsolidationDueSchema, bytes);
  if (!decoded.ok) return decoded;
  const { runId, round } = decoded.value;
  // Empty bytes decode as the empty message: name what is missing rather than consolidate run "".
  const problem = runId === '' ? 'run_id is empty' : round < 1 ? `round is ${round}, expected 1 or more` : null;
  if (problem === null) return decoded;
  return { ok: false, error: new DecodeError(ConsolidationDueSchema.typeName, bytes.byteLength, new Error(problem)) };
}

/** Encodes an {@link OperatorCommandRequest} (api → planner, core NATS request on `control.<runId>`). */
export function encodeOperatorCommandRequest(request: MessageInitShape<typeof OperatorCommandRequestSchema>): Uint8Array {
  return encodeMessage(OperatorCommandRequestSchema, request);
}

/** Decodes an {@link OperatorCommandRequest}; never throws. */
export function decodeOperatorCommandRequest(bytes: Uint8Array): DecodeResult<OperatorCommandRequest> {
  return decodeMessage(OperatorCommandRequestSchema, bytes);
}

/** Encodes an {@link OperatorCommandReply} (the planner's answer to a control request). */
export function encodeOperatorCommandReply(reply: MessageInitShape<typeof OperatorCommandReplySchema>): Uint8Array {
  return encodeMessage(OperatorCommandReplySchema, reply);
}

/** Decodes an {@link OperatorCommandReply}; never throws. */
export function decodeOperatorCommandReply(bytes: Uint8Array): DecodeResult<OperatorCommandReply> {
  return decodeMessage(OperatorCommandReplySchema, bytes);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}
