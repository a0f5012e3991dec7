import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { compileParamsSchema } from './params-schema.js';
import type { Json, ValidationIssue } from './pipeline-spec.js';

/** `schedule:` of a pipeline: a run per cron tick (Airflow's schedule + catchup). */
export interface ScheduleSpec {
  /** 5 fields (minute…weekday) or 6 (seconds first), as cron-parser reads them. */
  cron: string;
  /** IANA zone the cron is read in (DST handled by cron-parser); default UTC. */
  timezone: string;
  /** true: every tick missed while no planner ran gets its run, oldest first; false: only the latest. */
  catchup: boolean;
  /** Static params of every scheduled run; the tick fields are added to them. */
  params: Record<string, Json>;
}

/** At most this many missed ticks are run after downtime with `catchup: true` (the latest ones). */
export const MAX_CATCHUP_TICKS = 1_000;

/** The `schedule:` block as written. */
export const scheduleSchema = z
  .strictObject({
    cron: z
      .string()
      .meta({ description: 'Cron expression: 5 fields, or 6 with seconds first ("*/2 * * * * *").' }),
    timezone: z
      .string()
      .optional()
      .meta({ description: 'IANA time zone the cron is read in (default UTC).' }),
    catchup: z
      .boolean()
      .optional()
      .meta({ description: 'Run every tick missed during downtime (default false: only the latest).' }),
    params: z
      .record(z.string(), z.json())
      .optional()
      .meta({ description: 'Static params of each scheduled run; logicalDate & dataInterval* are added.' }),
  })
  .meta({ id: 'Schedule', description: 'Start a run per cron tick; exactly one per tick across planners.' });

export type RawSchedule = z.output<typeof scheduleSchema>;

export function resolveSchedule(raw: RawSchedule | undefined): ScheduleSpec | null {
  if (raw === undefined) return null;
  return {
    cron: raw.cron,
    timezone: raw.timezone ?? 'UTC',
    catchup: raw.catchup ?? false,
    params: (raw.params ?? {}) as Record<string, Json>,
  };
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Cron and zone problems of a `schedule:` block as written (paths under /schedule). */
export function checkScheduleDocument(document: Record<string, unknown>): ValidationIssue[] {
  const raw = document['schedule'];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return [];
  const { cron, timezone } = raw as { cron?: unknown; timezone?: unknown };
  const issues: ValidationIssue[] = [];
  if (typeof timezone === 'string' && !isTimeZone(timezone))
    issues.push({
      path: '/schedule/timezone',
      message: `unknown time zone "${timezone}": use an IANA name such as "Europe/Berlin" or "UTC"`,
    });
  if (typeof cron === 'string') {
    const fields = cron.trim().split(/\s+/).length;
    if (fields !== 5 && fields !== 6)
      issues.push({
        path: '/schedule/cron',
        message: `cron "${cron}" has ${fields} field(s); expected 5 (minute hour day month weekday) or 6 (seconds first)`,
      });
    else {
      try {
        CronExpressionParser.parse(cron, { tz: 'UTC', strict: false }).next();
      } catch (error) {
        issues.push({
          path: '/schedule/cron',
          message: `invalid cron "${cron}": ${error instanceof Error ? error.message : String(error)}`,
        });
      }
    }
  }
  return issues;
}

/**
 * Ticks t with `afterMs` < t ≤ `untilMs`, oldest first; when there are more than `max`, the latest
 * `max` (walked backwards from `untilMs`, so a long downtime with a second-level cron stays bounded).
 */
export function cronTicks(schedule: ScheduleSpec, afterMs: number, untilMs: number, max: number): number[] {
  const expression = CronExpressionParser.parse(schedule.cron, {
    tz: schedule.timezone,
    currentDate: new Date(untilMs + 1),
  });
  const ticks: number[] = [];
  while (ticks.length < max) {
    const tick = expression.prev().getTime();
    if (tick <= afterMs) break;
    ticks.push(tick);
  }
  return ticks.reverse();
}

/** The tick before `tickMs` (the start of its data interval). */
export function previousTick(schedule: ScheduleSpec, tickMs: number): number {
  return CronExpressionParser.parse(schedule.cron, { tz: schedule.timezone, currentDate: new Date(tickMs) })
    .prev()
    .getTime();
}

/** The first tick after `afterMs`. */
export function nextTick(schedule: ScheduleSpec, afterMs: number): number {
  return CronExpressionParser.parse(schedule.cron, { tz: schedule.timezone, currentDate: new Date(afterMs) })
    .next()
    .getTime();
}

/** The idempotency key of a tick's run: one run per pipeline and tick, whoever triggers it. */
export const cronIdempotencyKey = (pipelineId: string, tickMs: number): string =>
  `cron:${pipelineId}:${new Date(tickMs).toISOString()}`;

/**
 * Params of the run of one tick: the static `schedule.params` plus `logicalDate` (the tick, ISO UTC)
 * and the data interval (previous tick → this tick).
 */
export function scheduledRunParams(schedule: ScheduleSpec, tickMs: number): Record<string, Json> {
  return {
    ...schedule.params,
    logicalDate: new Date(tickMs).toISOString(),
    dataIntervalStart: new Date(previousTick(schedule, tickMs)).toISOString(),
    dataIntervalEnd: new Date(tickMs).toISOString(),
  };
}

/** A fixed instant for the sample tick (pure: no clock). */
const SAMPLE_FROM_MS = Date.UTC(2000, 0, 1);

/** Refuses a schedule whose runs the params schema would refuse (checked with a sample tick). */
export function checkScheduleParams(
  schedule: ScheduleSpec,
  paramsSchema: Record<string, Json> | null,
): ValidationIssue[] {
  const compiled = compileParamsSchema(paramsSchema);
  if (!compiled.ok) return [];
  const checked = compiled.validate(scheduledRunParams(schedule, nextTick(schedule, SAMPLE_FROM_MS)));
  if (checked.ok) return [];
  return checked.issues.map((issue) => ({
    path: '/schedule/params',
    message: `the params of a scheduled run (schedule.params + logicalDate, dataIntervalStart, dataIntervalEnd) do not match the params schema at ${issue.path || '/'}: ${issue.message}`,
  }));
}
