import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextTick, type ScheduleSpec } from '@tributary/domain';
import { eventually } from '@tributary/testing';
import { TributarySystem } from '../support/tributary-system.js';

/** Second-level crons so ticks come within seconds; a params schema that requires the tick. */
const pipeline = (id: string, catchup: boolean) => `
id: ${id}
params:
  type: object
  required: [logicalDate, region]
  properties: { logicalDate: { type: string, format: date-time }, region: { type: string } }
schedule: { cron: "*/2 * * * * *", timezone: Europe/Berlin, catchup: ${catchup}, params: { region: eu } }
stages:
  - { id: work, executor: noop }
`;
const SCHEDULE: ScheduleSpec = {
  cron: '*/2 * * * * *',
  timezone: 'Europe/Berlin',
  catchup: false,
  params: {},
};

describe('cron schedules: one run per tick across planner replicas, crashes and downtime', () => {
  let system: TributarySystem;

  beforeAll(async () => {
    system = await TributarySystem.start({
      executorHosts: [{ name: 'host', executors: ['noop'] }],
      handlers: [],
      replicas: { planner: 2 },
      env: { TRIBUTARY_LOG_LEVEL: '' },
    });
    await eventually(() => {
      for (const name of ['planner', 'planner-2'])
        expect(system.process(name).log).toContain('planner ready');
    }, 30_000);
    await system.applyPipeline(pipeline('cron-catchup', true));
    await system.applyPipeline(pipeline('cron-latest', false));
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  /** The ticks that have runs, oldest first, with each run's params and the actor of its RunStarted. */
  const runsOf = async (pipelineId: string) => {
    const rows = await system.db
      .selectFrom('runs')
      .innerJoin('event_log', 'event_log.run_id', 'runs.run_id')
      .select(['runs.idempotency_key', 'runs.params', 'event_log.actor'])
      .where('runs.pipeline_id', '=', pipelineId)
      .where('event_log.run_seq', '=', 1)
      .orderBy('runs.idempotency_key')
      .execute();
    return rows.map((r) => ({
      key: r.idempotency_key!,
      tick: Date.parse(r.idempotency_key!.slice(`cron:${pipelineId}:`.length)),
      params: r.params as Record<string, unknown>,
      actor: r.actor,
    }));
  };
  const ticksAfter = async (pipelineId: string, afterMs: number, n: number) =>
    eventually(async () => {
      const runs = await runsOf(pipelineId);
      expect(runs.filter((r) => r.tick > afterMs).length, system.logs()).toBeGreaterThanOrEqual(n);
      return runs;
    }, 60_000);
  /** Indexes i where runs[i+1] is not the tick right after runs[i]. */
  const gaps = (ticks: number[]) =>
    ticks.slice(1).flatMap((tick, i) => (nextTick(SCHEDULE, ticks[i]!) === tick ? [] : [i]));

  it('SIGKILL of a planner between ticks, then downtime of all planners: one run per tick; catchup runs the missed ticks, no catchup only the latest', async () => {
    await ticksAfter('cron-catchup', 0, 2);
    await ticksAfter('cron-latest', 0, 2);

    // One replica dies between two ticks; the other keeps the schedule, the restarted one joins again.
    await system.kill('planner');
    const killedAt = Date.now();
    await ticksAfter('cron-latest', killedAt, 2);
    system.restart('planner');
    await ticksAfter('cron-latest', Date.now(), 2);

    // Every planner down for ~4 ticks.
    await system.kill('planner');
    await system.kill('planner-2');
    const downAt = Date.now();
    await new Promise((r) => setTimeout(r, 8_000));
    const upAt = Date.now();
    system.restart('planner');
    system.restart('planner-2');
    await ticksAfter('cron-catchup', upAt, 2);
    await ticksAfter('cron-latest', upAt, 2);

    const catchup = await runsOf('cron-catchup');
    const latest = await runsOf('cron-latest');
    for (const runs of [catchup, latest]) {
      // One run per tick: distinct keys (the unique index guarantees it), each started by `cron`
      // with its tick as the logical date and the static params.
      expect(new Set(runs.map((r) => r.key)).size).toBe(runs.length);
      for (const run of runs) {
        expect(run.actor).toBe('cron');
        expect(run.params['logicalDate']).toBe(new Date(run.tick).toISOString());
        expect(run.params['region']).toBe('eu');
        expect(run.params['dataIntervalEnd']).toBe(run.params['logicalDate']);
        expect(nextTick(SCHEDULE, Date.parse(run.params['dataIntervalStart'] as string))).toBe(run.tick);
      }
    }
    // catchup: true — no tick missing, also across the single-replica crash and the full downtime.
    const catchupTicks = catchup.map((r) => r.tick);
    expect(gaps(catchupTicks), catchupTicks.map((t) => new Date(t).toISOString()).join(' ')).toEqual([]);
    expect(catchupTicks.filter((t) => t > downAt && t <= upAt).length).toBeGreaterThanOrEqual(3);
    // catchup: false — the single-replica crash loses no tick; the downtime leaves exactly one gap,
    // after which only the latest missed tick ran (the one at or just before the restart's first check).
    const latestTicks = latest.map((r) => r.tick);
    const latestGaps = gaps(latestTicks);
    expect(latestGaps.length, latestTicks.map((t) => new Date(t).toISOString()).join(' ')).toBe(1);
    const resumed = latestTicks[latestGaps[0]! + 1]!;
    expect(resumed).toBeGreaterThan(upAt - 2_000);
    expect(latestTicks.filter((t) => t > downAt + 2_000 && t < upAt - 2_000)).toEqual([]);
  }, 180_000);
});
