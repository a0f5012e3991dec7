/**
 * Event type names: the `type` field of an EventEnvelope and the last token of
 * its subject are the body's message name ("TaskInstanceSucceeded"), which is
 * the domain event's `type`.
 */
import type { RunEventType } from '@tributary/domain';
import { EventEnvelopeSchema, type EventEnvelope } from './gen/tributary/v1/events_pb.js';

/** The `body` oneof of an {@link EventEnvelope}. */
export type EventBody = EventEnvelope['body'];

/** A body case name, e.g. `"taskInstanceSucceeded"`. */
export type EventBodyCase = NonNullable<EventBody['case']>;

/** An event type name, e.g. `"TaskInstanceSucceeded"`: exactly the domain's `RunEventType`. */
export type EventType = Capitalize<EventBodyCase>;

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compile-time guard: the schema's event types are exactly the domain's (fails to compile otherwise). */
const _schemaMatchesDomain: Same<EventType, RunEventType> = true;

const bodyOneof = EventEnvelopeSchema.oneofs.find((oneof) => oneof.name === 'body');
if (bodyOneof === undefined) throw new Error('tributary.v1.EventEnvelope has no oneof "body": regenerate libs/events');

const typeByCase = new Map<string, EventType>(
  bodyOneof.fields.map((field) => {
    if (field.message === undefined) throw new Error(`EventEnvelope.${field.name} is not a message field`);
    return [field.localName, field.message.name as EventType];
  }),
);

/** Every event type, in schema order (the order of the domain's `RunEvent` union). */
export const EVENT_TYPES: readonly EventType[] = Object.freeze([...typeByCase.values()]);

const typeSet: ReadonlySet<string> = new Set(EVENT_TYPES);

/** True when `value` names an event type of this schema version. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && typeSet.has(value);
}

/** The type name of `body` (e.g. `{ case: 'runCancelled', … }` → `"RunCancelled"`), or undefined when unset. */
export function eventTypeOf(body: EventBody): EventType | undefined {
  return body.case === undefined ? undefined : typeByCase.get(body.case);
}
