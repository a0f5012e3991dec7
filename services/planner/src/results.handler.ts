import { Logger } from '@nestjs/common';
import {
  describeJsonProblem,
  jsonProblem,
  parseAttemptId,
  sanitizeText,
  textProblem,
  type RunCommand,
  type TaskError,
} from '@tributary/domain';
import { isRetryableError } from '@tributary/event-store';
import {
  AttemptOutcome,
  epochMsFromTimestamp,
  jsonFromBytes,
  type AttemptResult,
  type ResultBatch,
} from '@tributary/events';
import type { DecisionEngine, RunWork, TaskLogRow } from './decision-engine.js';

/** Counts of what a batch of results did, for logs and metrics. */
export interface ResultsSummary {
  results: number;
  runs: number;
  rejected: number;
}

/**
 * Records executor and consolidator results: many batches, many runs, ONE transaction (the planner's
 * throughput comes from this batching). Stale and duplicate results are refused by the domain and
 * acknowledged: a redelivered message is a no-op (exactly-once state on at-least-once delivery).
 *
 * One run's results never hold up another's: when the database refuses the batch for good (not for a
 * passing reason such as a restart, which naks the batch for redelivery), every run is written on its
 * own, and a run it still refuses has its results recorded as failed attempts saying why.
 */
export class ResultsHandler {
  constructor(private readonly engine: DecisionEngine) {}

  async handle(batches: readonly ResultBatch[]): Promise<ResultsSummary> {
    const works = new Map<string, RunWork>();
    const logs: TaskLogRow[] = [];
    let count = 0;
    for (const batch of batches) {
      for (const result of batch.results) {
        const commands = commandsOf(result);
        if (commands.length === 0) continue;
        count += 1;
        const runId = commands[0]!.command.runId;
        const work = works.get(runId) ?? {
          runId,
          commands: [],
          actor: result.executor ? `executor:${result.executor}` : 'executor',
        };
        work.commands.push(...commands);
        works.set(runId, work);
        for (const line of result.logs) {
          const at = line.at ? epochMsFromTimestamp(line.at) : null;
          const fields = line.fieldsJson.length > 0 ? jsonFromBytes(line.fieldsJson) : null;
          logs.push({
            runId,
            taskId: result.taskId,
            attempt: result.attempt,
            at: new Date(at?.ok ? at.ms : Date.now()),
            level: sanitizeText(line.level),
            message: sanitizeText(line.message),
            fields: fields?.ok && jsonProblem(fields.value) === null ? fields.value : null,
          });
        }
      }
    }
    if (works.size === 0) return { results: 0, runs: 0, rejected: 0 };
    const outcomes = await this.executeIsolated([...works.values()], logs);
    return {
      results: count,
      runs: works.size,
      rejected: outcomes.reduce((n, o) => n + o.rejections.length, 0),
    };
  }

  private async executeIsolated(works: RunWork[], logs: TaskLogRow[]) {
    try {
      return await this.engine.execute(works, logs);
    } catch (error) {
      if (isRetryableError(error)) throw error;
      if (works.length === 1) return this.executeUnstorable(works[0]!, error);
    }
    const outcomes = [];
    for (const work of works) {
      const own = logs.filter((line) => line.runId === work.runId);
      try {
        outcomes.push(...(await this.engine.execute([work], own)));
      } catch (error) {
        if (isRetryableError(error)) throw error;
        outcomes.push(...(await this.executeUnstorable(work, error)));
      }
    }
    return outcomes;
  }

  /**
   * The database refused this run's results for good (text it cannot store slipped past the edges):
   * each outcome becomes a failed attempt naming the reason, without its logs, so the run goes on.
   */
  private async executeUnstorable(work: RunWork, error: unknown) {
    const reason = sanitizeText(error instanceof Error ? error.message : String(error));
    Logger.error(
      `results of run ${work.runId} could not be stored, recorded as failed: ${reason}`,
      'planner',
    );
    const storable: RunWork = {
      ...work,
      commands: work.commands.map(({ command, at }) => ({ command: asStorageFailure(command, reason), at })),
    };
    try {
      return await this.engine.execute([storable]);
    } catch (error) {
      if (isRetryableError(error)) throw error;
      // Not even the failures can be written: the results are dropped (acknowledged) rather than block
      // the batch; the attempts are retried once the watchdog finds no host holding them.
      Logger.error(
        `results of run ${work.runId} dropped, not even their failure can be stored: ${String(error)}`,
        'planner',
      );
      return [];
    }
  }
}

/** A result command as a failed attempt whose error says why it could not be stored. */
function asStorageFailure(command: RunCommand, reason: string): RunCommand {
  const error: TaskError = {
    message: `the attempt's result could not be stored: ${reason}`,
    type: 'StorageError',
    retryable: false,
  };
  if (command.type === 'RecordTaskResult') {
    const { output: _output, ...rest } = command;
    return { ...rest, outcome: 'failed', error };
  }
  if (command.type === 'RecordConsolidationResult') {
    const { output: _output, ...rest } = command;
    return { ...rest, outcome: 'failed', error };
  }
  if (command.type === 'RecordTaskStarted') return { ...command, host: sanitizeText(command.host) };
  return command;
}

const ms = (timestamp: AttemptResult['startedAt']): number | undefined => {
  if (!timestamp) return undefined;
  const parsed = epochMsFromTimestamp(timestamp);
  return parsed.ok ? parsed.ms : undefined;
};

/** The domain commands one result means: started, then the outcome (a result may carry both). */
export function commandsOf(result: AttemptResult): { command: RunCommand; at?: number }[] {
  const parsed = parseAttemptId(result.attemptId);
  const runId = result.runId || parsed?.runId;
  const taskId = result.taskId || parsed?.taskId;
  // No run or task instance has such an id (ids are checked where they are made): nothing to record.
  if (!runId || !taskId || textProblem(runId) !== null || textProblem(taskId) !== null) return [];
  const host = sanitizeText(result.host);
  const startedAt = ms(result.startedAt);
  const finishedAt = ms(result.finishedAt);
  const decoded =
    result.outputJson.length > 0 ? jsonFromBytes(result.outputJson) : { ok: true as const, value: null };
  // An executor result is an edge: an output Postgres cannot store fails this attempt, nothing else.
  const problem = decoded.ok ? jsonProblem(decoded.value) : null;
  const output = problem
    ? { ok: false as const, error: new Error(describeJsonProblem('output', problem)) }
    : decoded;
  const error: TaskError | undefined = result.error
    ? {
        message: sanitizeText(result.error.message),
        type: sanitizeText(result.error.type || 'Error'),
        retryable: result.outcome !== AttemptOutcome.FATAL && result.error.retryable,
      }
    : undefined;
  if (result.consolidationRound > 0) {
    const outcome =
      result.outcome === AttemptOutcome.SUCCESS
        ? 'success'
        : result.outcome === AttemptOutcome.SKIPPED
          ? 'skipped'
          : result.outcome === AttemptOutcome.UPSTREAM_FAILED
            ? 'upstream_failed'
            : 'failed';
    return [
      {
        command: {
          type: 'RecordConsolidationResult',
          runId,
          round: result.consolidationRound,
          outcome,
          ...(output.ok ? { output: output.value as never } : {}),
          ...(error ? { error } : {}),
          host,
          startedAt: startedAt ?? Date.now(),
          finishedAt: finishedAt ?? Date.now(),
        },
        at: finishedAt,
      },
    ];
  }
  const attempt = result.attempt || parsed?.attempt || 0;
  const started: { command: RunCommand; at?: number } = {
    command: { type: 'RecordTaskStarted', runId, taskId, attempt, host },
    at: startedAt,
  };
  if (result.outcome === AttemptOutcome.STARTED) return [started];
  let command: RunCommand;
  if (result.outcome === AttemptOutcome.SUCCESS) {
    command = output.ok
      ? {
          type: 'RecordTaskResult',
          runId,
          taskId,
          attempt,
          outcome: 'success',
          output: output.value as never,
        }
      : {
          type: 'RecordTaskResult',
          runId,
          taskId,
          attempt,
          outcome: 'failed',
          error: {
            message: problem ? output.error.message : `output is not JSON: ${output.error.message}`,
            type: 'OutputError',
            retryable: false,
          },
        };
  } else if (result.outcome === AttemptOutcome.SKIPPED) {
    command = {
      type: 'RecordTaskResult',
      runId,
      taskId,
      attempt,
      outcome: 'skipped',
      ...(error ? { error } : {}),
    };
  } else {
    command = {
      type: 'RecordTaskResult',
      runId,
      taskId,
      attempt,
      outcome: 'failed',
      error: error ?? {
        message: 'failed',
        type: 'Error',
        retryable: result.outcome !== AttemptOutcome.FATAL,
      },
    };
  }
  // "Started" first (refused as a duplicate when the started notice came earlier), so startedAt is recorded.
  return [started, { command, at: finishedAt }];
}
