import { attemptIdOf, sanitizeText } from '@tributary/domain';
import {
  AttemptOutcome,
  createResultBatch,
  jsonToBytes,
  timestampFromEpochMs,
  type ResultBatch,
} from '@tributary/events';
import type { AttemptError, Json, TaskLogLine } from '@tributary/worker-sdk';

/** The one result of a consolidation round, before encoding. */
export interface ConsolidationResult {
  runId: string;
  round: number;
  /** The consolidation's task id (`consolidate`). */
  taskId: string;
  /** The consolidation's next attempt (the planner records the round as that attempt). */
  attempt: number;
  outcome: AttemptOutcome;
  output?: Json;
  error?: AttemptError;
  /** Epoch ms: the first try's start and the last try's end. */
  startedAt: number;
  finishedAt: number;
  executor: string;
  host: string;
  logs?: readonly TaskLogLine[];
}

/** `<runId>/consolidate#<round>`: one attempt id per round, so a round's result has one batch id. */
export function consolidationAttemptId(runId: string, taskId: string, round: number): string {
  return attemptIdOf(runId, taskId, round);
}

/**
 * The ResultBatch of a round (one AttemptResult with `consolidationRound`). Its batch id derives from
 * the attempt id only, so a redelivered trigger republishes the same id and JetStream drops the copy.
 * Free text (error message, type and stack, log lines, host) is repaired for Postgres (U+FFFD for NUL
 * and unpaired surrogates); outputs were checked by `runAttempt`.
 */
export function consolidationResultBatch(result: ConsolidationResult): ResultBatch {
  const { error } = result;
  return createResultBatch([
    {
      attemptId: consolidationAttemptId(result.runId, result.taskId, result.round),
      runId: result.runId,
      taskId: result.taskId,
      attempt: result.attempt,
      outcome: result.outcome,
      outputJson:
        result.outcome === AttemptOutcome.SUCCESS ? jsonToBytes(result.output ?? null) : new Uint8Array(),
      ...(error
        ? {
            error: {
              message: sanitizeText(error.message),
              type: sanitizeText(error.type),
              retryable: error.retryable,
              detailsJson: error.details === undefined ? new Uint8Array() : jsonToBytes(error.details),
              stack: sanitizeText(error.stack ?? ''),
            },
          }
        : {}),
      startedAt: timestampFromEpochMs(result.startedAt),
      finishedAt: timestampFromEpochMs(result.finishedAt),
      executor: result.executor,
      host: sanitizeText(result.host),
      consolidationRound: result.round,
      logs: (result.logs ?? []).map((line) => ({
        at: timestampFromEpochMs(line.at),
        level: line.level,
        message: sanitizeText(line.message),
        fieldsJson: Object.keys(line.fields).length > 0 ? jsonToBytes(line.fields) : new Uint8Array(),
      })),
    },
  ]);
}
