import { create } from '@bufbuild/protobuf';
import type { RunEventType } from '@tributary/domain';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { EVENT_TYPES, eventTypeOf, isEventType, type EventType } from './event-type.js';
import { EventEnvelopeSchema } from './gen/tributary/v1/events_pb.js';

/** Every domain event type; the compiler requires a key per RunEventType. */
const domainTypes: Record<RunEventType, true> = {
  TriggerAccepted: true, TriggerRejected: true, RunPlanned: true, GroupsExpanded: true, TaskMapExpanded: true, StageExpansionReset: true,
  TaskInstanceScheduled: true, TaskInstanceQueued: true, TaskInstanceRequeued: true, TaskInstanceStarted: true, TaskInstanceSucceeded: true, TaskInstanceFailed: true,
  TaskInstanceUpForRetry: true, TaskInstanceSkipped: true, TaskInstanceUpstreamFailed: true, TaskInstanceCancelled: true,
  TaskInstanceCleared: true, TaskInstanceMarked: true, GroupCompleted: true, GroupReopened: true, ConsolidationTriggered: true,
  RunCompleted: true, RunReopened: true, RunCancelled: true,
};

describe('event types', () => {
  it('lists exactly the domain event types, in the order of the RunEvent union', () => {
    expect(EVENT_TYPES).toEqual(Object.keys(domainTypes));
    expectTypeOf<EventType>().toEqualTypeOf<RunEventType>();
  });

  it('names the body of an envelope, matching the Capitalize<case> type', () => {
    const envelope = create(EventEnvelopeSchema, { body: { case: 'taskInstanceUpForRetry', value: {} } });
    expect(eventTypeOf(envelope.body)).toBe('TaskInstanceUpForRetry');
    expect(eventTypeOf(create(EventEnvelopeSchema).body)).toBeUndefined();
    for (const field of EventEnvelopeSchema.oneofs[0]!.fields) {
      expect(field.message!.name).toBe(field.localName.charAt(0).toUpperCase() + field.localName.slice(1));
    }
  });

  it('recognises type names', () => {
    expect(isEventType('RunCompleted')).toBe(true);
    expect(isEventType('GroupReopened')).toBe(true);
    expect(isEventType('TaskInstanceCreated')).toBe(false);
    expect(isEventType('runCompleted')).toBe(false);
    expect(isEventType(undefined)).toBe(false);
  });
});
