import { describe, expect, it } from 'vitest';
import { EventStoreError } from '../errors/event-store.error.js';
import { newEvent } from '../test-fixtures/new-event.fixture.js';
import { prepareEvent } from './prepare-event.js';

describe('prepareEvent', () => {
  it('lowercases the id, nulls missing optionals and stores the payload as JSON would', () => {
    const prepared = prepareEvent(
      {
        eventId: 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE',
        runId: 'r',
        type: 'T',
        payload: { at: new Date('2026-01-01T00:00:00.000Z'), gone: undefined, list: [undefined] },
        occurredAt: new Date(0),
      },
      0,
    );
    expect(prepared).toMatchObject({
      eventId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
      taskId: null,
      attempt: null,
      actor: null,
      traceId: null,
      payload: { at: '2026-01-01T00:00:00.000Z', list: [null] },
    });
    expect(prepared.payloadJson).toBe('{"at":"2026-01-01T00:00:00.000Z","list":[null]}');
  });

  it('stores an undefined payload as JSON null', () => {
    expect(prepareEvent(newEvent('r', { payload: undefined }), 0).payloadJson).toBe('null');
  });

  it.each<[string, Parameters<typeof newEvent>[1], string]>([
    ['a non-UUID id', { eventId: 'evt-1' }, 'events[3].eventId'],
    ['an empty run id', { runId: '' }, 'events[3].runId'],
    ['an empty type', { type: '' }, 'events[3].type'],
    ['a fractional attempt', { attempt: 1.5 }, 'events[3].attempt'],
    ['an invalid date', { occurredAt: new Date(Number.NaN) }, 'events[3].occurredAt'],
    ['a bigint payload', { payload: { n: 1n } }, 'events[3].payload'],
    ['a NUL character', { payload: { s: 'a\u0000b' } }, 'events[3].payload'],
  ])('refuses %s, naming the field', (_label, overrides, path) => {
    const attempt = (): unknown => prepareEvent(newEvent('r', overrides), 3);
    expect(attempt).toThrow(EventStoreError);
    expect(attempt).toThrow(path);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ code: 'invalid_event', retryable: false });
    }
  });

  it('accepts a literal backslash-u0000 text', () => {
    expect(() => prepareEvent(newEvent('r', { payload: { s: '\\u0000' } }), 0)).not.toThrow();
  });
});
