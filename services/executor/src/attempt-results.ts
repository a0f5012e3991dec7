import { describeJsonProblem, jsonProblem, sanitizeText } from '@tributary/domain';
import {
  AttemptOutcome as ResultOutcome,
  jsonFromBytes,
  jsonToBytes,
  timestampFromEpochMs,
  type AttemptDispatch,
  type AttemptResult,
  type createResultBatch,
} from '@tributary/events';
import type {
  AttemptError,
  AttemptOutcome as SdkOutcome,
  AttemptRequest,
  HandlerGroup,
  Json,
  TaskLogLine,
} from '@tributary/worker-sdk';
import { DEFAULT_MAX_OUTPUT_BYTES, describeBytes, MAX_OUTPUT_BYTES_VARIABLE } from '@tributary/runtime';

/** What one result of a ResultBatch is built from (the protobuf init shape of AttemptResult). */
export type ResultInit = Exclude<Parameters<typeof createResultBatch>[0][number], AttemptResult>;

/**
 * Largest handler output a result carries by default (UTF-8 JSON): 256 KiB. A host's limit is
 * TRIBUTARY_MAX_OUTPUT_BYTES (or `--max-output-bytes`); larger outputs end the attempt FATAL.
 */
export const MAX_OUTPUT_BYTES = DEFAULT_MAX_OUTPUT_BYTES;
/** Error messages and stacks are cut to this many characters so a result stays a small message. */
export const MAX_ERROR_TEXT = 16 * 1024;

/** Who ran an attempt, stamped on each of its results. */
export interface ResultOrigin {
  executor: string;
  host: string;
}

/** An attempt dispatch as the handler's request, or why its JSON fields cannot be used. */
export type DecodedRequest = { ok: true; request: AttemptRequest } | { ok: false; error: AttemptError };

/**
 * A run's params and a slot's upstream outputs parsed once per dispatch batch: the attempts that share
 * them share the same bytes (`RunContext`, `SlotContext`), so they share one parsed value — deep-frozen,
 * as no attempt may change another's view.
 */
const parsedShared = new WeakMap<Uint8Array, ReturnType<typeof jsonFromBytes>>();

function sharedJsonOf(bytes: Uint8Array): ReturnType<typeof jsonFromBytes> {
  let parsed = parsedShared.get(bytes);
  if (parsed === undefined) {
    parsed = jsonFromBytes(bytes);
    if (parsed.ok) deepFreeze(parsed.value);
    parsedShared.set(bytes, parsed);
  }
  return parsed;
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const member of Object.values(value)) deepFreeze(member);
}

/** Reads the `*_json` fields of a dispatch into the handler's request (absent fields: SDK defaults). */
export function requestOf(dispatch: AttemptDispatch): DecodedRequest {
  const fields: Record<string, unknown> = {};
  for (const [name, bytes] of [
    ['input', dispatch.inputJson],
    ['params', dispatch.paramsJson],
    ['group', dispatch.groupJson],
    ['upstream', dispatch.upstreamJson],
    ['upstream_indices', dispatch.upstreamIndicesJson],
    ['item', dispatch.itemJson],
  ] as const) {
    const parsed =
      name === 'params' || name === 'upstream' || name === 'upstream_indices'
        ? sharedJsonOf(bytes)
        : jsonFromBytes(bytes);
    if (!parsed.ok) {
      return {
        ok: false,
        error: {
          message: `${name}_json of attempt ${dispatch.attemptId} is not valid UTF-8 JSON: ${parsed.error.message}`,
          type: 'InvalidDispatchError',
          retryable: false,
        },
      };
    }
    fields[name] = parsed.value;
  }
  const upstream = fields['upstream'];
  const indices = fields['upstream_indices'];
  const request: AttemptRequest = {
    runId: dispatch.runId,
    taskId: dispatch.taskId,
    attemptId: dispatch.attemptId,
    attempt: dispatch.attempt,
    input: (fields['input'] ?? null) as Json,
    params: (fields['params'] ?? null) as Json,
    group: groupOf(fields['group']),
    upstream:
      typeof upstream === 'object' && upstream !== null && !Array.isArray(upstream)
        ? (upstream as Record<string, Json>)
        : {},
    upstreamIndices:
      typeof indices === 'object' && indices !== null && !Array.isArray(indices)
        ? (indices as AttemptRequest['upstreamIndices'])
        : {},
    item: (fields['item'] ?? null) as Json,
    mapIndex: dispatch.mapIndex ?? null,
    timeoutMs: dispatch.timeoutMs,
  };
  return { ok: true, request };
}

function groupOf(value: unknown): HandlerGroup | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  return value as HandlerGroup;
}

function base(dispatch: AttemptDispatch, origin: ResultOrigin): ResultInit {
  return {
    attemptId: dispatch.attemptId,
    runId: dispatch.runId,
    taskId: dispatch.taskId,
    attempt: dispatch.attempt,
    executor: origin.executor,
    host: origin.host,
  };
}

/** The STARTED notice of an attempt: the planner records it running on this host. */
export function startedResult(
  dispatch: AttemptDispatch,
  origin: ResultOrigin,
  startedAt: number,
): ResultInit {
  return {
    ...base(dispatch, origin),
    outcome: ResultOutcome.STARTED,
    startedAt: timestampFromEpochMs(Math.trunc(startedAt)),
  };
}

/**
 * The final result of an attempt: success → SUCCESS with the output (FATAL `OutputTooLargeError` when
 * the output is larger than `maxOutputBytes`, default {@link MAX_OUTPUT_BYTES}), skipped → SKIPPED with
 * the reason, failed → FAILED when retryable else FATAL. Always carries startedAt, finishedAt, executor,
 * host and the captured log lines (`runAttempt` made them storable and capped them at 64 KiB). Text
 * Postgres cannot store never leaves here: outputs were checked by `runAttempt` (`OutputError`), and
 * error texts are repaired.
 */
export function finalResult(
  dispatch: AttemptDispatch,
  origin: ResultOrigin,
  outcome: SdkOutcome,
  maxOutputBytes: number = MAX_OUTPUT_BYTES,
): ResultInit {
  const result: ResultInit = {
    ...base(dispatch, origin),
    startedAt: timestampFromEpochMs(Math.trunc(outcome.startedAt)),
    finishedAt: timestampFromEpochMs(Math.trunc(outcome.finishedAt)),
    logs: outcome.logs.map(logLineOf),
  };
  switch (outcome.outcome) {
    case 'success': {
      const output = jsonToBytes(outcome.output);
      if (output.byteLength > maxOutputBytes) {
        return withError(result, {
          message:
            `handler output is ${output.byteLength} bytes of JSON, over the limit of ${describeBytes(maxOutputBytes)} ` +
            `set by ${MAX_OUTPUT_BYTES_VARIABLE}: store large data elsewhere (object storage, a database) and ` +
            'return a reference to it',
          type: 'OutputTooLargeError',
          retryable: false,
        });
      }
      return { ...result, outcome: ResultOutcome.SUCCESS, outputJson: output };
    }
    case 'skipped':
      return {
        ...result,
        outcome: ResultOutcome.SKIPPED,
        error: { message: cut(sanitizeText(outcome.reason)), type: 'SkipTask', retryable: false },
      };
    case 'failed':
      return withError(result, outcome.error);
  }
}

/**
 * A result that ends the attempt with `error`: FATAL when it is not retryable, else FAILED. Message,
 * type and stack are repaired free text (NUL, unpaired surrogates → U+FFFD) and cut at
 * {@link MAX_ERROR_TEXT} characters; details that cannot be stored are replaced by a note.
 */
export function withError(result: ResultInit, error: AttemptError): ResultInit {
  return {
    ...result,
    outcome: error.retryable ? ResultOutcome.FAILED : ResultOutcome.FATAL,
    error: {
      message: cut(sanitizeText(error.message)),
      type: cut(sanitizeText(error.type)),
      retryable: error.retryable,
      ...(error.details !== undefined ? { detailsJson: detailsBytes(error.details) } : {}),
      ...(error.stack !== undefined ? { stack: cut(sanitizeText(error.stack)) } : {}),
    },
  };
}

/**
 * `result` without output and logs, FATAL: even alone its message is larger than NATS carries
 * (`reason`: over the server's max_payload, or the server's refusal).
 */
export function tooLargeResult(result: ResultInit, bytes: number, reason: string): ResultInit {
  const { outputJson: _output, logs: _logs, error: _error, ...rest } = result;
  return withError(rest, {
    message:
      `the result message of this attempt (${bytes} bytes with its output and logs) cannot be published: ` +
      `${reason}; output and logs were dropped: return less data or store it elsewhere (${MAX_OUTPUT_BYTES_VARIABLE} ` +
      'should leave room for logs under max_payload)',
    type: 'ResultTooLargeError',
    retryable: false,
  });
}

/** A final result for an attempt that could not be run at all (e.g. unreadable dispatch JSON). */
export function refusedResult(
  dispatch: AttemptDispatch,
  origin: ResultOrigin,
  error: AttemptError,
  at: number,
): ResultInit {
  const ts = timestampFromEpochMs(Math.trunc(at));
  return withError({ ...base(dispatch, origin), startedAt: ts, finishedAt: ts }, error);
}

function logLineOf(line: TaskLogLine): NonNullable<ResultInit['logs']>[number] {
  return {
    at: timestampFromEpochMs(Math.trunc(line.at)),
    level: line.level,
    message: sanitizeText(line.message),
    ...(Object.keys(line.fields).length > 0 ? { fieldsJson: jsonToBytes(line.fields) } : {}),
  };
}

function detailsBytes(details: Json): Uint8Array {
  const problem = jsonProblem(details);
  if (problem) return jsonToBytes({ detailsError: sanitizeText(describeJsonProblem('details', problem)) });
  const bytes = jsonToBytes(details);
  return bytes.byteLength > MAX_ERROR_TEXT
    ? jsonToBytes({ truncated: true, bytes: bytes.byteLength })
    : bytes;
}

function cut(text: string): string {
  return text.length > MAX_ERROR_TEXT
    ? `${text.slice(0, MAX_ERROR_TEXT)}… (${text.length - MAX_ERROR_TEXT} more characters)`
    : text;
}

/**
 * Encoded size of a result, from above (UTF-16 code units counted as 3 bytes), for splitting batches
 * into messages; the publisher still measures every encoded message against the server's max_payload.
 */
export function estimatedBytes(result: ResultInit): number {
  let size = 256;
  size += ((result.attemptId?.length ?? 0) + (result.runId?.length ?? 0) + (result.taskId?.length ?? 0)) * 3;
  size += ((result.executor?.length ?? 0) + (result.host?.length ?? 0)) * 3;
  size += result.outputJson?.byteLength ?? 0;
  if (result.error) {
    size +=
      ((result.error.message?.length ?? 0) +
        (result.error.stack?.length ?? 0) +
        (result.error.type?.length ?? 0)) *
      3;
    size += result.error.detailsJson?.byteLength ?? 0;
  }
  for (const line of result.logs ?? [])
    size +=
      40 + ((line.message?.length ?? 0) + (line.level?.length ?? 0)) * 3 + (line.fieldsJson?.byteLength ?? 0);
  return size;
}
