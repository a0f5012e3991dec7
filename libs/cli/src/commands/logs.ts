import type { Command } from 'commander';
import { seg } from '../api/api-client.js';
import { listOf } from '../api/types.js';
import { println, type CliContext } from '../context.js';
import { jsonText } from '../output/table.js';
import { apiClientFor, parsePositiveInt, withApiOptions, withJson, type ApiOptions } from './shared.js';

interface LogLine {
  attempt?: number;
  at?: string;
  level?: string;
  message?: string;
  fields?: unknown;
}

export function registerLogs(program: Command, ctx: CliContext): void {
  withJson(
    withApiOptions(
      program
        .command('logs')
        .description("print a task instance's log lines (every attempt, or one)")
        .argument('<runId>', 'run id')
        .argument('<taskId>', 'task id, e.g. market=LU/retrieve[3]')
        .option('--attempt <n>', 'only this attempt', parsePositiveInt),
    ),
  ).action(
    async (runId: string, taskId: string, options: ApiOptions & { attempt?: number; json?: boolean }) => {
      const qs = options.attempt === undefined ? '' : `?attempt=${options.attempt}`;
      const body = await apiClientFor(ctx, options).get<unknown>(
        `/runs/${seg(runId)}/tasks/${seg(taskId)}/logs${qs}`,
      );
      if (options.json) return void ctx.io.out(jsonText(body));
      const lines = listOf<LogLine>(body, 'logs').filter(
        (l) => options.attempt === undefined || l.attempt === undefined || l.attempt === options.attempt,
      );
      if (lines.length === 0)
        return println(
          ctx,
          `no log lines for ${taskId}${options.attempt ? ` attempt ${options.attempt}` : ''}`,
        );
      for (const line of lines) println(ctx, formatLogLine(line));
    },
  );
}

/** `2024-06-11T10:00:00.123Z #1 info  message {fields}`. */
export function formatLogLine(line: LogLine): string {
  const fields =
    line.fields && typeof line.fields === 'object' && Object.keys(line.fields).length > 0
      ? ` ${JSON.stringify(line.fields)}`
      : '';
  const attempt = line.attempt === undefined ? '' : `#${line.attempt} `;
  return `${line.at ?? ''} ${attempt}${(line.level ?? 'info').padEnd(5)} ${line.message ?? ''}${fields}`.trim();
}
