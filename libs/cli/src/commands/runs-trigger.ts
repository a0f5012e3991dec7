import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { seg, type ApiClient } from '../api/api-client.js';
import type { RunView } from '../api/types.js';
import { eprintln, println, type CliContext } from '../context.js';
import { EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_STOPPED, UsageError } from '../errors.js';
import { formatMs, jsonText } from '../output/table.js';
import { followRun } from '../progress/follow-run.js';
import { BarProgressRenderer, PlainProgressRenderer, type ProgressRenderer } from '../progress/renderers.js';
import { failureLines } from '../progress/run-progress.js';
import { readFullRunView } from '../api/run-view-reader.js';
import {
  apiClientFor,
  parseJsonObject,
  parsePositiveInt,
  withApiOptions,
  withJson,
  type ApiOptions,
} from './shared.js';

export interface TriggerOptions extends ApiOptions {
  params?: Record<string, unknown>;
  paramsFile?: string;
  idempotencyKey?: string;
  wait?: boolean;
  timeout?: number;
  json?: boolean;
}

export function registerRunsTrigger(runs: Command, ctx: CliContext): void {
  withJson(
    withApiOptions(
      runs
        .command('trigger')
        .description('start a run of a pipeline; prints the run id (with --wait: follows it to the end)')
        .argument('<pipeline>', 'pipeline id')
        .option('--params <json>', 'the run parameters, a JSON object', parseJsonObject)
        .option('--params-file <file>', 'read the parameters from a JSON file')
        .option('--idempotency-key <key>', 'the same key always names the same run')
        .option(
          '--wait',
          'follow the run with live per-group progress; exit 0 clean success, 3 success with failed groups, 1 failed/cancelled/rejected, 130 stopped',
        )
        .option('--timeout <seconds>', 'with --wait: give up after this many seconds', parsePositiveInt),
    ),
  ).action(async (pipeline: string, options: TriggerOptions) => {
    ctx.exitCode = await runsTrigger(ctx, pipeline, options);
  });
}

export async function runsTrigger(
  ctx: CliContext,
  pipeline: string,
  options: TriggerOptions,
): Promise<number> {
  const params = await paramsOf(options);
  const client = apiClientFor(ctx, options);
  const body: { params: Record<string, unknown>; idempotencyKey?: string } = { params };
  if (options.idempotencyKey !== undefined) body.idempotencyKey = options.idempotencyKey;
  const { runId } = await client.post<{ runId: string }>(`/pipelines/${seg(pipeline)}/runs`, body);
  if (!options.wait) {
    if (options.json) ctx.io.out(jsonText({ runId }));
    else println(ctx, runId);
    return 0;
  }
  if (!options.json) println(ctx, `run ${runId} triggered (pipeline ${pipeline})`);
  return followToEnd(ctx, client, runId, options);
}

/**
 * Follows a run with live per-group progress until it ends and answers the exit code:
 * 0 clean success, 3 partial success (failed groups), 1 failed / cancelled / rejected, 130 stopped.
 */
export async function followToEnd(
  ctx: CliContext,
  client: ApiClient,
  runId: string,
  options: { timeout?: number; json?: boolean },
): Promise<number> {
  const started = Date.now();
  const renderer: ProgressRenderer = options.json
    ? { update: () => undefined, stop: () => undefined }
    : ctx.io.progressStream
      ? new BarProgressRenderer(ctx.io.progressStream)
      : new PlainProgressRenderer((line) => println(ctx, line));
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  let result: { view: RunView | null; finished: boolean };
  try {
    result = await followRun(client, runId, renderer, {
      ...(options.timeout !== undefined ? { timeoutMs: options.timeout * 1000 } : {}),
      signal: abort.signal,
      onSlowStart: (ms) =>
        eprintln(
          ctx,
          `still waiting for a planner to accept run ${runId} (${formatMs(ms)}); is the planner running?`,
        ),
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  const { view, finished } = result;
  if (!finished || !view) {
    eprintln(ctx, `stopped following run ${runId}; it keeps running (see \`tributary runs show ${runId}\`)`);
    return EXIT_STOPPED;
  }
  const code = exitCodeOfRun(view);
  if (options.json) {
    // The whole view, outputs included, as `runs show --json` (the followed views carry no outputs).
    const full = (await readFullRunView(client, runId, { outputs: true })) ?? view;
    ctx.io.out(jsonText({ runId, state: full.run.state, partial: full.run.partial === true, view: full }));
  } else {
    println(ctx, `run ${runId} ${outcomeText(view)} in ${formatMs(Date.now() - started)}`);
    if (code !== EXIT_OK) {
      if (view.run.reason) println(ctx, `  reason: ${view.run.reason}`);
      for (const line of failureLines(view)) println(ctx, line);
    }
  }
  return code;
}

/** 0 clean success, 3 success with failed groups, 1 anything else (failed, cancelled, rejected). */
export function exitCodeOfRun(view: RunView): number {
  if (view.run.state !== 'success') return EXIT_FAILED;
  return isPartial(view) ? EXIT_PARTIAL : EXIT_OK;
}

const isPartial = (view: RunView): boolean => view.run.partial === true;

/** `success`, `failed`, or `success with 1 failed group (region=eu)`. */
export function outcomeText(view: RunView): string {
  if (!isPartial(view)) return view.run.state;
  const groups = view.run.failedGroups ?? [];
  if (groups.length === 0) return `${view.run.state} with failed task instances`;
  const shown = groups.slice(0, 5).join(', ') + (groups.length > 5 ? `, … ${groups.length - 5} more` : '');
  return `${view.run.state} with ${groups.length} failed group${groups.length === 1 ? '' : 's'} (${shown})`;
}

/** `--params` or `--params-file` (not both); `{}` when neither is given. */
async function paramsOf(options: TriggerOptions): Promise<Record<string, unknown>> {
  if (options.params !== undefined && options.paramsFile !== undefined) {
    throw new UsageError('give --params or --params-file, not both');
  }
  if (options.paramsFile === undefined) return options.params ?? {};
  let text: string;
  try {
    text = await readFile(options.paramsFile, 'utf8');
  } catch (error) {
    throw new UsageError(`--params-file ${options.paramsFile}: cannot read: ${(error as Error).message}`);
  }
  try {
    return parseJsonObject(text);
  } catch (error) {
    throw new UsageError(`--params-file ${options.paramsFile}: ${(error as Error).message}`);
  }
}
