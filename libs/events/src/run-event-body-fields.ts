/**
 * The field-level pieces of the mapping in run-event-body.ts: the enum tables
 * between domain states and protobuf enums, and the checked conversions of one
 * field (int32, timestamp, JSON, error info) that name the field when a value
 * has no lossless form.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import type { ConsolidationVia as DomainConsolidationVia, Json, RunEvent, TaskError } from '@tributary/domain';
import { epochMsFromTimestamp, timestampFromEpochMs } from './epoch-ms-timestamp.js';
import { GroupState, RunState, TaskState, type ErrorInfo, type ErrorInfoSchema } from './gen/tributary/v1/common_pb.js';
import { ConsolidationVia } from './gen/tributary/v1/events_pb.js';
import { InvalidEventEnvelopeError } from './invalid-event-envelope-error.js';
import { jsonFromBytes } from './json-bytes.js';

type MarkedState = Extract<RunEvent, { type: 'TaskInstanceMarked' }>['state'];
type UnresolvedState = NonNullable<Extract<RunEvent, { type: 'GroupsExpanded' }>['unresolved']>;
type CompletedGroupState = Extract<RunEvent, { type: 'GroupCompleted' }>['state'];
type CompletedRunState = Extract<RunEvent, { type: 'RunCompleted' }>['state'];

export const CONSOLIDATION_VIA: Readonly<Record<DomainConsolidationVia, ConsolidationVia>> = {
  planner: ConsolidationVia.PLANNER,
  'fan-in': ConsolidationVia.FAN_IN,
};
export const MARKED_STATES: Readonly<Record<MarkedState, TaskState>> = {
  success: TaskState.SUCCESS,
  failed: TaskState.FAILED,
  skipped: TaskState.SKIPPED,
};
export const UNRESOLVED_STATES: Readonly<Record<UnresolvedState, TaskState>> = {
  upstream_failed: TaskState.UPSTREAM_FAILED,
  skipped: TaskState.SKIPPED,
};
export const GROUP_STATES: Readonly<Record<CompletedGroupState, GroupState>> = {
  success: GroupState.SUCCESS,
  failed: GroupState.FAILED,
};
export const RUN_STATES: Readonly<Record<CompletedRunState, RunState>> = {
  success: RunState.SUCCESS,
  failed: RunState.FAILED,
};

const encoder = new TextEncoder();

export function unknownEvent(event: never): never {
  throw new TypeError(`Unknown run event type ${JSON.stringify((event as { type?: unknown }).type)}`);
}

export function unknownBody(body: never): never {
  throw new InvalidEventEnvelopeError('body', `has case ${JSON.stringify((body as { case?: unknown }).case)} that has no domain event`);
}

export function optional(value: string | null): string | undefined {
  return value ?? undefined;
}

export function int32(where: string, value: number): number {
  if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) {
    throw new RangeError(`${where} must be an int32, got ${String(value)}`);
  }
  return value;
}

export function timestamp(where: string, ms: number): Timestamp {
  try {
    return timestampFromEpochMs(ms);
  } catch (cause) {
    throw new RangeError(`${where}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export function epochMs(where: string, value: Timestamp | undefined): number {
  if (value === undefined) throw new InvalidEventEnvelopeError(where, 'is missing');
  const result = epochMsFromTimestamp(value);
  if (!result.ok) throw new InvalidEventEnvelopeError(where, result.reason);
  return result.ms;
}

export function toEnum<K extends string, E extends number>(where: string, table: Readonly<Record<K, E>>, value: K): E {
  if (!Object.hasOwn(table, value)) {
    throw new RangeError(`${where} must be one of ${Object.keys(table).map((key) => JSON.stringify(key)).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return table[value];
}

export function fromEnum<K extends string, E extends number>(where: string, table: Readonly<Record<K, E>>, value: E): K {
  for (const key of Object.keys(table) as K[]) if (table[key] === value) return key;
  throw new InvalidEventEnvelopeError(where, `has value ${value}, not one of ${Object.values(table).join(', ')}`);
}

export function jsonBytes(where: string, value: Json): Uint8Array {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, finiteNumbersOnly);
  } catch (cause) {
    throw new TypeError(`${where} cannot be serialised as JSON: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  if (text === undefined) throw new TypeError(`${where} is not a JSON value (got ${typeof value})`);
  return encoder.encode(text);
}

export function finiteNumbersOnly(key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new RangeError(`${String(value)}${key === '' ? '' : ` at key ${JSON.stringify(key)}`} has no JSON form`);
  }
  return value;
}

export function json(where: string, bytes: Uint8Array): Json {
  const result = jsonFromBytes(bytes);
  if (!result.ok) throw new InvalidEventEnvelopeError(where, 'is not UTF-8 JSON', result.error);
  if (result.value === undefined) throw new InvalidEventEnvelopeError(where, 'is empty (a JSON null is the bytes `null`)');
  return result.value as Json;
}

export function errorInfo(error: TaskError): MessageInitShape<typeof ErrorInfoSchema> {
  return { message: error.message, type: error.type, retryable: error.retryable };
}

export function taskError(where: string, error: ErrorInfo | undefined): TaskError {
  if (error === undefined) throw new InvalidEventEnvelopeError(where, 'is missing');
  return { message: error.message, type: error.type, retryable: error.retryable };
}
