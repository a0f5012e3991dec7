import { describe, expect, it } from 'vitest';
import type { RunEvent } from '@tributary/domain';
import { decodeRunEvent, encodeRunEvent } from './run-event-envelope.js';

const meta = { eventId: 'e1', runId: 'r', runSeq: 3, actor: null, traceId: null };
const AT = Date.parse('2026-12-05T03:00:00.000Z');

describe('map labels on the wire (TaskMapExpanded.labels, ExpandedGroup.label: fields 70)', () => {
  const roundTrip = (event: RunEvent) => {
    const decoded = decodeRunEvent(encodeRunEvent(event, meta));
    if (!decoded.ok) throw decoded.error;
    return decoded.event;
  };

  it('keeps the labels of a map and of groups, and leaves them absent when there are none', () => {
    const mapped: RunEvent = {
      type: 'TaskMapExpanded',
      stagePath: 'market/retrieve',
      groupPath: 'market=LU',
      length: 2,
      labels: ['query: red dress', 'query: ✓'],
      at: AT,
    };
    expect(roundTrip(mapped)).toEqual(mapped);
    const plain: RunEvent = {
      type: 'TaskMapExpanded',
      stagePath: 'retrieve',
      groupPath: null,
      length: 2,
      at: AT,
    };
    expect(roundTrip(plain)).toEqual(plain);
    const groups: RunEvent = {
      type: 'GroupsExpanded',
      blockPath: 'market',
      parentGroup: null,
      groups: [
        { path: 'market=LU', key: 'LU', value: { code: 'LU' }, label: 'market Luxembourg' },
        { path: 'market=PT', key: 'PT', value: 'PT' },
      ],
      unresolved: null,
      error: null,
      at: AT,
    };
    expect(roundTrip(groups)).toEqual(groups);
  });
});
