import type { Command } from 'commander';
import { nextTick, type ScheduleSpec } from '@tributary/domain';
import { seg } from '../api/api-client.js';
import { println, type CliContext } from '../context.js';
import { jsonText, shortTime } from '../output/table.js';
import { apiClientFor, parsePositiveInt, withApiOptions, withJson, type ApiOptions } from './shared.js';

interface PipelineDetail {
  id: string;
  version: number;
  createdAt?: string | null;
  createdBy?: string | null;
  source?: string | null;
  spec?: unknown;
  versions?: unknown;
  [key: string]: unknown;
}

export function registerPipelinesShow(pipelines: Command, ctx: CliContext): void {
  withJson(
    withApiOptions(
      pipelines
        .command('show')
        .description(
          'show a pipeline version (the latest by default) and its source; with `schedule:` also its cron, zone, catchup and next tick',
        )
        .argument('<id>', 'pipeline id')
        .option('--version <n>', 'a specific version', parsePositiveInt),
    ),
  ).action(async (id: string, options: ApiOptions & { json?: boolean; version?: number }) => {
    const query = options.version === undefined ? '' : `?version=${options.version}`;
    const body = await apiClientFor(ctx, options).get<PipelineDetail>(`/pipelines/${seg(id)}${query}`);
    if (options.json) return void ctx.io.out(jsonText(body));
    println(ctx, `pipeline ${body.id} version ${body.version}`);
    if (body.createdAt)
      println(ctx, `created  ${shortTime(body.createdAt)}${body.createdBy ? ` by ${body.createdBy}` : ''}`);
    const schedule = (body.spec as { schedule?: ScheduleSpec | null } | undefined)?.schedule;
    if (schedule) println(ctx, scheduleLine(schedule, Date.now()));
    println(ctx);
    if (typeof body.source === 'string' && body.source.trim() !== '')
      ctx.io.out(body.source.endsWith('\n') ? body.source : `${body.source}\n`);
    else ctx.io.out(jsonText(body.spec ?? body));
  });
}

/** `schedule  0 * * * * (Europe/Berlin), catchup off, next tick 2026-…Z`. */
export function scheduleLine(schedule: ScheduleSpec, nowMs: number): string {
  let next: string;
  try {
    next = new Date(nextTick(schedule, nowMs)).toISOString();
  } catch {
    next = 'unknown (the cron or zone is not readable here)';
  }
  return `schedule ${schedule.cron} (${schedule.timezone}), catchup ${schedule.catchup ? 'on' : 'off'}, next tick ${next}`;
}
