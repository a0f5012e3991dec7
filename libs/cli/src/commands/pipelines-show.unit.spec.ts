import { describe, expect, it } from 'vitest';
import { scheduleLine } from './pipelines-show.js';

describe('pipelines show: the schedule line', () => {
  it('prints cron, zone, catchup and the next tick in UTC (02:00 Berlin in winter is 01:00Z)', () => {
    const line = scheduleLine(
      { cron: '0 2 * * *', timezone: 'Europe/Berlin', catchup: true, params: {} },
      Date.parse('2026-01-10T12:00:00Z'),
    );
    expect(line).toBe('schedule 0 2 * * * (Europe/Berlin), catchup on, next tick 2026-01-11T01:00:00.000Z');
  });
});
