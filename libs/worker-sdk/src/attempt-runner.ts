import { describeJsonProblem, jsonProblem, sanitizeText } from '@tributary/domain';
import { BufferedTaskLogger } from './buffered-task-logger.js';
import type { HandlerContext, HandlerDefinition, HandlerGroup, Json, UpstreamIndices } from './handler.js';
import { toJsonValue } from './json-value.js';
import { sanitizeJson, stringOf, type TaskLogLimits, type TaskLogLine } from './log-safety.js';
import { CancelledError, TimeoutError, isSkipTask } from './task-errors.js';

/** One attempt to run, as an executor host receives it (DESIGN §5 AttemptDispatch, decoded). */
export interface AttemptRequest {
  runId: string;
  taskId: string;
  /** `runId/taskId#n`. */
  attemptId: string;
  /** 1 for the first try. */
  attempt: number;
  /** The stage's evaluated `with:` map; default null. */
  input?: Json;
  /** Default null. */
  params?: Json;
  /** Default null (top level). */
  group?: HandlerGroup | null;
  /** Default `{}`. */
  upstream?: Record<string, Json>;
  /** Default `{}`. */
  upstreamIndices?: Record<string, UpstreamIndices>;
  /** Default null (unmapped). */
  item?: Json;
  /** Default null (unmapped). */
  mapIndex?: number | null;
  /** 0, undefined or a non-finite value: no timeout. */
  timeoutMs?: number;
}

/** Options of runAttempt. */
export interface RunAttemptOptions {
  /** External cancel (run cancelled, host shutting down): the attempt ends `CancelledError`. */
  signal?: AbortSignal;
  /** Clock for startedAt/finishedAt and log lines (epoch ms). Default Date.now. */
  now?: () => number;
  /** Per-attempt log caps (default 1000 lines / 64 KiB). */
  logLimits?: TaskLogLimits;
  /** Sees every kept log line as it is written. */
  onLog?: (line: TaskLogLine) => void;
  /**
   * Called when the attempt ended (timeout, cancel) while the handler, ignoring `ctx.signal`, still
   * runs; `settled` resolves once it returns or throws. A host keeps the handler's slot taken until then,
   * so handlers that ignore their signal cannot pile up beyond its concurrency.
   */
  onStillRunning?: (settled: Promise<void>) => void;
}

/** Why an attempt failed, in the shape of `tributary.v1.ErrorInfo`. */
export interface AttemptError {
  message: string;
  /**
   * Error class, e.g. `TimeoutError`, `FatalError`, `HttpError`; `OutputError` when the handler returned
   * a value that cannot be stored (not JSON, NUL or unpaired surrogates in a string, nested deeper than
   * 64 levels, a prototype key).
   */
  type: string;
  /** False when no retry may follow (FatalError, cancel, `retryable: false` on the error). */
  retryable: boolean;
  /** The error's `details`, when it carries JSON-able ones (HttpError: status, url…). */
  details?: Json;
  stack?: string;
}

interface OutcomeBase {
  /** Epoch ms. */
  startedAt: number;
  /** Epoch ms. */
  finishedAt: number;
  logs: TaskLogLine[];
}

type OutcomeResult =
  | { outcome: 'success'; output: Json }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'failed'; error: AttemptError };

/** How one attempt ended: exactly one of success, skipped, failed. */
export type AttemptOutcome = OutcomeResult & OutcomeBase;

type Settled = { kind: 'returned'; value: unknown } | { kind: 'threw'; error: unknown } | { kind: 'aborted' };

/** The type of the error an attempt ends with when its output cannot be stored; never retried. */
export const OUTPUT_ERROR = 'OutputError';

/**
 * Runs one attempt of `handler` and reports how it ended; never throws.
 *
 * What it reports can be stored and sent as it is: an output that Postgres or NATS cannot carry (see
 * `jsonProblem`) fails the attempt with an `OutputError` naming the path; error messages, types,
 * stacks, skip reasons and log lines are free text and are repaired instead (`sanitizeText`).
 *
 * The timeout and the external signal both abort `ctx.signal`, and the attempt
 * ends at that moment even when the handler ignores the signal: its promise is
 * raced, not awaited. Such a handler keeps running in the background (JavaScript
 * cannot kill it): `opts.onStillRunning` hears of it; its late result and log lines are ignored.
 */
export async function runAttempt(
  handler: HandlerDefinition<any>,
  request: AttemptRequest,
  opts: RunAttemptOptions = {},
): Promise<AttemptOutcome> {
  const now = opts.now ?? Date.now;
  const logger = new BufferedTaskLogger({ ...opts.logLimits, now, onLine: opts.onLog });
  const controller = new AbortController();
  const external = opts.signal;
  const timeoutMs = request.timeoutMs ?? 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onExternalAbort = (): void => controller.abort(cancelledError(external?.reason));

  // Resolves (never rejects) when ctx.signal aborts, so Promise.race below cannot leak a rejection.
  const aborted = new Promise<Settled>((resolve) => {
    controller.signal.addEventListener('abort', () => resolve({ kind: 'aborted' }), { once: true });
  });

  const startedAt = now();
  const finish = (result: OutcomeResult): AttemptOutcome => ({
    ...result,
    startedAt,
    finishedAt: now(),
    logs: logger.close(),
  });

  try {
    if (external?.aborted) {
      onExternalAbort();
    } else {
      external?.addEventListener('abort', onExternalAbort, { once: true });
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => controller.abort(new TimeoutError(timeoutMs)), timeoutMs);
      }
    }

    let settled: Settled;
    if (controller.signal.aborted) {
      settled = { kind: 'aborted' }; // cancelled before it started: do not run the handler at all
    } else {
      const ctx = buildContext(request, controller.signal, logger);
      let returned = false;
      const running = invoke(handler, ctx).then((result) => {
        returned = true;
        return result;
      });
      settled = await Promise.race([running, aborted]);
      if (settled.kind === 'aborted' && !returned && opts.onStillRunning) {
        // A handler that honours its signal settles right after the abort: give it that moment.
        await new Promise((resolve) => setImmediate(resolve));
        if (!returned) opts.onStillRunning(running.then(() => undefined));
      }
    }

    // A handler that rejects because its signal aborted reports the abort, not its own AbortError.
    if (settled.kind === 'aborted' || (settled.kind === 'threw' && controller.signal.aborted)) {
      return finish({ outcome: 'failed', error: describeError(controller.signal.reason) });
    }
    if (settled.kind === 'threw') {
      if (isSkipTask(settled.error))
        return finish({ outcome: 'skipped', reason: sanitizeText(settled.error.message) });
      return finish({ outcome: 'failed', error: describeError(settled.error) });
    }
    let output: Json;
    try {
      output = toJsonValue(settled.value, 'output');
    } catch (error) {
      return finish({
        outcome: 'failed',
        error: outputError(
          `handler "${handler.name}" returned a value that is not JSON-serialisable: ${errorMessage(error)}`,
        ),
      });
    }
    const problem = jsonProblem(output);
    if (problem)
      return finish({ outcome: 'failed', error: outputError(describeJsonProblem('output', problem)) });
    return finish({ outcome: 'success', output });
  } catch (error) {
    // Only reachable through a bug in this function; still report instead of throwing.
    return finish({ outcome: 'failed', error: describeError(error) });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    external?.removeEventListener('abort', onExternalAbort);
  }
}

function buildContext(
  request: AttemptRequest,
  signal: AbortSignal,
  log: BufferedTaskLogger,
): HandlerContext<any> {
  return {
    input: request.input ?? null,
    params: request.params ?? null,
    group: request.group ?? null,
    upstream: request.upstream ?? {},
    upstreamIndices: request.upstreamIndices ?? {},
    item: request.item ?? null,
    mapIndex: request.mapIndex ?? null,
    attempt: request.attempt,
    runId: request.runId,
    taskId: request.taskId,
    attemptId: request.attemptId,
    signal,
    log,
  };
}

// Turns synchronous throws into the same shape as rejections; never rejects.
async function invoke(handler: HandlerDefinition<any>, ctx: HandlerContext<any>): Promise<Settled> {
  try {
    return { kind: 'returned', value: await handler.run(ctx) };
  } catch (error) {
    return { kind: 'threw', error };
  }
}

function cancelledError(reason: unknown): CancelledError {
  if (reason instanceof CancelledError) return reason;
  const detail = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : undefined;
  // AbortController.abort() with no reason gives a generic DOMException; its text adds nothing.
  const useful = detail !== undefined && !(reason instanceof Error && reason.name === 'AbortError');
  return new CancelledError(useful ? `attempt cancelled: ${detail}` : 'attempt cancelled', { cause: reason });
}

function outputError(message: string): AttemptError {
  return { message: sanitizeText(message), type: OUTPUT_ERROR, retryable: false };
}

/**
 * Maps anything thrown to an AttemptError; `retryable: false` on the error is respected. Message, type
 * and stack are repaired free text; details that cannot be stored are replaced by `{ detailsError }`.
 */
function describeError(error: unknown): AttemptError {
  if (error instanceof Error) {
    const retryable = (error as { retryable?: unknown }).retryable !== false && error.name !== 'FatalError';
    const described: AttemptError = {
      message: sanitizeText(stringOf(error.message)),
      type: sanitizeText(stringOf(error.name || 'Error')),
      retryable,
    };
    const details = jsonDetails((error as { details?: unknown }).details);
    if (details !== undefined) described.details = details;
    if (typeof error.stack === 'string') described.stack = sanitizeText(error.stack);
    return described;
  }
  const record = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : undefined;
  return {
    message: sanitizeText(typeof record?.['message'] === 'string' ? record['message'] : errorMessage(error)),
    type: 'Error',
    retryable: record?.['retryable'] !== false,
  };
}

function jsonDetails(details: unknown): Json | undefined {
  if (details === undefined) return undefined;
  let json: Json;
  try {
    json = toJsonValue(details, 'details');
  } catch {
    return undefined;
  }
  const safe = sanitizeJson(json);
  const problem = jsonProblem(safe);
  return problem
    ? { detailsError: sanitizeText(`${describeJsonProblem('details', problem)} (details dropped)`) }
    : safe;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
  } catch {
    return String(error);
  }
}
