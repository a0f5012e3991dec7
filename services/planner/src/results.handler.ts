import { parseAttemptId, type RunCommand, type TaskError } from '@tributary/domain';
import {
  AttemptOutcome,
  epochMsFromTimestamp,
  jsonFromBytes,
  type AttemptResult,
  type ResultBatch,
} from '@tributary/events';
import type { DecisionEngine, RunWork, TaskLogLine } from './decision-engine.js';

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
 */
export class ResultsHandler {
  constructor(private readonly engine: DecisionEngine) {}

  async handle(batches: readonly ResultBatch[]): Promise<ResultsSummary> {
    const works = new Map<string, RunWork>();
    const logs: TaskLogLine[] = [];
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
            level: line.level,
            message: line.message,
            fields: fields?.ok ? fields.value : null,
          });
        }
      }
    }
    if (works.size === 0) return { results: 0, runs: 0, rejected: 0 };
    const outcomes = await this.engine.execute([...works.values()], logs);
    return {
      results: count,
      runs: works.size,
      rejected: outcomes.reduce((n, o) => n + o.rejections.length, 0),
    };
  }
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
  if (!runId || !taskId) return [];
  const startedAt = ms(result.startedAt);
  const finishedAt = ms(result.finishedAt);
  const output =
    result.outputJson.length > 0 ? jsonFromBytes(result.outputJson) : { ok: true as const, value: null };
  const error: TaskError | undefined = result.error
    ? {
        message: result.error.message,
        type: result.error.type || 'Error',
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
          host: result.host,
          startedAt: startedAt ?? Date.now(),
          finishedAt: finishedAt ?? Date.now(),
        },
        at: finishedAt,
      },
    ];
  }
  const attempt = result.attempt || parsed?.attempt || 0;
  const started: { command: RunCommand; at?: number } = {
    command: { type: 'RecordTaskStarted', runId, taskId, attempt, host: result.host },
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
            message: `output is not JSON: ${output.error.message}`,
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
