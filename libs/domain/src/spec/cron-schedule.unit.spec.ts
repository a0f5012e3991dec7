import { describe, expect, it } from 'vitest';
import { parsePipelineSpec } from './parse-pipeline-spec.js';
import {
  cronIdempotencyKey,
  cronTicks,
  MAX_CATCHUP_TICKS,
  scheduledRunParams,
  type ScheduleSpec,
} from './cron-schedule.js';

const spec = (schedule: string, params = '') => `
id: hourly
${params}
schedule: ${schedule}
stages:
  - { id: a, executor: noop }
`;
const hourlyBerlin: ScheduleSpec = {
  cron: '0 2 * * *',
  timezone: 'Europe/Berlin',
  catchup: true,
  params: {},
};

describe('schedule: in a pipeline spec', () => {
  it('resolves defaults: UTC, no catchup, no static params', () => {
    const parsed = parsePipelineSpec(spec('{ cron: "0 * * * *" }'));
    expect(parsed.ok && parsed.spec.schedule).toEqual({
      cron: '0 * * * *',
      timezone: 'UTC',
      catchup: false,
      params: {},
    });
  });

  it('a pipeline without schedule has none', () => {
    const parsed = parsePipelineSpec('id: p\nstages: [{ id: a, executor: noop }]');
    expect(parsed.ok && parsed.spec.schedule).toBeUndefined();
  });

  it.each([
    ['{ cron: "61 * * * *" }', '/schedule/cron', /invalid cron "61 \* \* \* \*": .*61/],
    ['{ cron: "0 * * *" }', '/schedule/cron', /has 4 field\(s\); expected 5/],
    [
      '{ cron: "0 * * * *", timezone: Europe/Berln }',
      '/schedule/timezone',
      /unknown time zone "Europe\/Berln"/,
    ],
    ['{ cron: "0 * * * *", catchup: yes }', '/schedule/catchup', /boolean/],
    ['{ cron: "0 * * * *", every: 1h }', '/schedule/every', /unknown key "every"/],
  ])('refuses %s at %s', (schedule, path, message) => {
    const parsed = parsePipelineSpec(spec(schedule));
    expect(parsed.ok).toBe(false);
    const issue = !parsed.ok && parsed.issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(parsed)).toBeTruthy();
    expect(issue && issue.message).toMatch(message);
    expect(issue && issue.line).toBe(4);
  });

  it('refuses a schedule whose runs the params schema would refuse, and accepts one whose static params fill it', () => {
    const schema =
      'params: { type: object, required: [region, logicalDate], properties: { region: { type: string }, logicalDate: { type: string } } }';
    const refused = parsePipelineSpec(spec('{ cron: "0 * * * *" }', schema));
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.issues).toEqual([
      expect.objectContaining({
        path: '/schedule/params',
        message: expect.stringMatching(/do not match the params schema .*region/),
      }),
    ]);
    expect(parsePipelineSpec(spec('{ cron: "0 * * * *", params: { region: eu } }', schema)).ok).toBe(true);
  });
});

describe('cron ticks', () => {
  it('follows the zone across DST: 02:00 Berlin is 01:00Z in winter, 00:00Z in summer, none on the spring-forward day', () => {
    const ticks = cronTicks(
      hourlyBerlin,
      Date.parse('2026-03-27T00:00:00Z'),
      Date.parse('2026-03-31T00:00:00Z'),
      10,
    );
    expect(ticks.map((t) => new Date(t).toISOString())).toEqual([
      '2026-03-27T01:00:00.000Z',
      '2026-03-28T01:00:00.000Z',
      // 2026-03-29 02:00 does not exist in Berlin (clocks jump 02:00 → 03:00): no tick that day
      '2026-03-30T00:00:00.000Z',
      '2026-03-31T00:00:00.000Z',
    ]);
  });

  it('ticks are after `after` and at most `until`, oldest first, bounded to the latest `max`', () => {
    const every2s: ScheduleSpec = { cron: '*/2 * * * * *', timezone: 'UTC', catchup: true, params: {} };
    const from = Date.parse('2026-01-01T00:00:00Z');
    expect(cronTicks(every2s, from, from + 6_000, 100)).toEqual([from + 2_000, from + 4_000, from + 6_000]);
    expect(cronTicks(every2s, from, from + 6_000, 1)).toEqual([from + 6_000]);
    const day = cronTicks(every2s, from, from + 86_400_000, MAX_CATCHUP_TICKS);
    expect(day).toHaveLength(MAX_CATCHUP_TICKS);
    expect(day.at(-1)).toBe(from + 86_400_000);
  });

  it('a run gets its tick as logical date and the data interval from the previous tick', () => {
    const tick = Date.parse('2026-01-02T01:00:00Z');
    expect(scheduledRunParams({ ...hourlyBerlin, params: { region: 'eu', logicalDate: 'x' } }, tick)).toEqual(
      {
        region: 'eu',
        logicalDate: '2026-01-02T01:00:00.000Z',
        dataIntervalStart: '2026-01-01T01:00:00.000Z',
        dataIntervalEnd: '2026-01-02T01:00:00.000Z',
      },
    );
    expect(cronIdempotencyKey('hourly', tick)).toBe('cron:hourly:2026-01-02T01:00:00.000Z');
  });
});
