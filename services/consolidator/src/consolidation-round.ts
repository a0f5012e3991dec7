import type { Kysely } from 'kysely';
import {
  consolidationRoundRefusal,
  explainConsolidationVerdict,
  renderAttempt,
  sanitizeText,
  retryDelayMs,
  slotKeyOf,
  type AttemptPayload,
  type PlanTaskNode,
  type RunState,
  type TaskSettings,
} from '@tributary/domain';
import { currentFanInRound, loadRunState, readRunPipeline, type Database } from '@tributary/event-store';
import { AttemptOutcome, jsonToBytes, type ResultBatch } from '@tributary/events';
import {
  limitLogLines,
  runAttempt,
  type AttemptOutcome as SdkOutcome,
  type HandlerGroup,
  type HandlerRegistry,
  type Json,
  type TaskLogLine,
} from '@tributary/worker-sdk';
import {
  DEFAULT_MAX_OUTPUT_BYTES,
  describeBytes,
  MAX_OUTPUT_BYTES_VARIABLE,
  openAttemptSecrets,
  type PlanCache,
  type SecretsKeyring,
} from '@tributary/runtime';
import {
  consolidationAttemptId,
  consolidationResultBatch,
  type ConsolidationResult,
} from './consolidation-result.js';

/** One ConsolidationDue the fan-in emitted. */
export interface ConsolidationTrigger {
  runId: string;
  round: number;
}

/** What the consolidator made of a trigger: nothing to do (stale), or one result to publish. */
export type ConsolidationDecision =
  | { kind: 'stale'; reason: string }
  | { kind: 'result'; result: ConsolidationResult; batch: ResultBatch; summary: string };

/** The host is stopping: the trigger goes back to JetStream (nak) for another consolidator. */
export class ConsolidatorStoppingError extends Error {
  override readonly name = 'ConsolidatorStoppingError';
  constructor() {
    super('the consolidator is stopping: the trigger is handed back');
  }
}

export interface ConsolidatorOptions {
  /** Host reported with results. */
  host: string;
  /** Largest output (UTF-8 JSON bytes) a consolidation may return: TRIBUTARY_MAX_OUTPUT_BYTES. @default 256 KiB */
  maxOutputBytes?: number;
  /** Decrypts the secrets in the consolidation's params and input (TRIBUTARY_SECRETS_KEY). @default none */
  secrets?: SecretsKeyring | null;
  now?: () => number;
  /** Retry jitter source. */
  random?: () => number;
  /** Waits between in-process tries; resolves early when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Decides and runs one consolidation round: reads the run's plan and folded state from Postgres,
 * refuses a stale trigger, evaluates the trigger rule over the top-level groups, runs the handler
 * in-process with the stage's retries/backoff/timeout, and returns the one result to publish. A handler
 * this host does not have is a failed try like any other (`HandlerNotFound`, retried per the stage's
 * `retries`/`retryDelay`, each try looking again), so a consolidation never fails at once for it.
 */
export class Consolidator {
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly maxOutputBytes: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly plans: PlanCache,
    private readonly registry: HandlerRegistry,
    private readonly options: ConsolidatorOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? abortableSleep;
    this.maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  }

  async consolidate(trigger: ConsolidationTrigger, signal?: AbortSignal): Promise<ConsolidationDecision> {
    const { runId, round } = trigger;
    const run = await readRunPipeline(this.db, runId);
    if (!run) return stale(`run ${runId} does not exist`);
    const plan = await this.plans.plan(run.pipelineId, run.version);
    if (!plan) return stale(`pipeline ${run.pipelineId}@${run.version} does not exist`);
    const { state } = await loadRunState(this.db, plan, runId);
    // The same check the planner makes when the result arrives: only a round the run waits for is run.
    const refused =
      consolidationRoundRefusal(state, round)?.message ?? (await this.supersededReason(trigger));
    if (refused) return stale(refused);

    const rec = state.tasks.get(state.index.consolidationPath!)!;
    const node = state.index.node(rec.stagePath) as PlanTaskNode;
    const base = {
      runId,
      round,
      taskId: rec.taskId,
      attempt: rec.attempt + 1,
      executor: node.executor,
      host: this.options.host,
    };
    const explained = explainConsolidationVerdict(state);
    const verdict = explained?.verdict ?? 'none';
    const rule = `${explained?.reason ?? `trigger rule ${node.triggerRule}`} over ${groupSummary(state)}`;
    if (verdict === 'skip' || verdict === 'upstream_failed') {
      const at = this.now();
      const outcome = verdict === 'skip' ? AttemptOutcome.SKIPPED : AttemptOutcome.UPSTREAM_FAILED;
      const message = `${rule}: ${verdict === 'skip' ? 'skipped' : 'upstream_failed'}`;
      return this.result(
        {
          ...base,
          outcome,
          error: { message, type: 'TriggerRule', retryable: false },
          startedAt: at,
          finishedAt: at,
        },
        message,
      );
    }
    if (verdict !== 'run') return stale(`${rule} says ${verdict}`);

    const rendered = renderAttempt(state, rec, base.attempt);
    if (!rendered.ok) {
      const at = this.now();
      return this.result(
        {
          ...base,
          outcome: AttemptOutcome.FATAL,
          error: { message: sanitizeText(rendered.error), type: 'InputError', retryable: false },
          startedAt: at,
          finishedAt: at,
        },
        `input error: ${rendered.error}`,
      );
    }
    const ran = await this.runWithRetries(node.executor, rendered.payload, node.settings, trigger, signal);
    if (ran.kind === 'superseded') return stale(ran.reason);
    // The handler took time: a newer round may have started meanwhile; its result is the one that counts.
    const superseded = await this.supersededReason(trigger);
    if (superseded) return stale(superseded);
    return this.result({ ...base, ...ran.result }, ran.summary);
  }

  private result(result: ConsolidationResult, summary: string): ConsolidationDecision {
    return { kind: 'result', result, batch: consolidationResultBatch(result), summary };
  }

  /** A round is superseded once the fan-in triggered a newer one (a group reopened since). */
  private async supersededReason(trigger: ConsolidationTrigger): Promise<string | null> {
    const round = await currentFanInRound(this.db, trigger.runId);
    return round !== null && round > trigger.round
      ? `round ${trigger.round} is superseded by round ${round} of the fan-in`
      : null;
  }

  /** One try: the handler run in-process, or a failed try when this host has no handler for `executor`. */
  private async runTry(
    executor: string,
    request: Parameters<typeof runAttempt>[1],
    signal: AbortSignal | undefined,
  ): Promise<SdkOutcome> {
    const handler = this.registry.get(executor);
    if (!handler) {
      const at = this.now();
      const message =
        `no handler for executor "${executor}" on consolidator host ${this.options.host}; known: ` +
        `${this.registry.names().join(', ')}. Add the module that defines it to TRIBUTARY_HANDLERS of the consolidator`;
      return {
        outcome: 'failed',
        error: { message, type: 'HandlerNotFound', retryable: true },
        startedAt: at,
        finishedAt: at,
        logs: [],
      };
    }
    // Secrets decrypted for the handler only; masked in its logs, errors and output.
    const opened = openAttemptSecrets(request, this.options.secrets ?? null);
    if (!opened.ok) {
      const at = this.now();
      return { outcome: 'failed', error: opened.error, startedAt: at, finishedAt: at, logs: [] };
    }
    const ended = await runAttempt(handler, opened.request, { now: this.now, ...(signal ? { signal } : {}) });
    return opened.masker.maskDeep(ended);
  }

  private async runWithRetries(
    executor: string,
    payload: AttemptPayload,
    settings: TaskSettings,
    trigger: ConsolidationTrigger,
    signal: AbortSignal | undefined,
  ): Promise<
    | {
        kind: 'ran';
        result: Omit<ConsolidationResult, 'runId' | 'round' | 'taskId' | 'attempt' | 'executor' | 'host'>;
        summary: string;
      }
    | { kind: 'superseded'; reason: string }
  > {
    const tries = settings.retries + 1;
    const logs: TaskLogLine[] = [];
    let startedAt: number | null = null;
    for (let t = 1; ; t++) {
      if (signal?.aborted) throw new ConsolidatorStoppingError();
      const out = await this.runTry(
        executor,
        {
          runId: payload.runId,
          taskId: payload.taskId,
          attemptId: consolidationAttemptId(payload.runId, payload.taskId, trigger.round),
          attempt: payload.attempt + t - 1,
          input: payload.input as Json,
          params: payload.params as Json,
          group: payload.group as HandlerGroup | null,
          upstream: payload.upstream as Record<string, Json>,
          item: payload.item as Json,
          mapIndex: payload.mapIndex,
          timeoutMs: payload.timeoutMs ?? 0,
        },
        signal,
      );
      // Cancelled because this host stops, not because the handler failed: let another host run it.
      if (signal?.aborted) throw new ConsolidatorStoppingError();
      startedAt ??= out.startedAt;
      logs.push(...out.logs);
      // The tries' lines together, as one attempt's log: at most 1000 lines / 64 KiB.
      const timing = { startedAt, finishedAt: out.finishedAt, logs: limitLogLines(logs) };
      if (out.outcome === 'success') {
        const bytes = jsonToBytes(out.output).byteLength;
        if (bytes > this.maxOutputBytes) {
          const message =
            `handler output is ${bytes} bytes of JSON, over the limit of ${describeBytes(this.maxOutputBytes)} set by ` +
            `${MAX_OUTPUT_BYTES_VARIABLE}: store large data elsewhere (object storage, a database) and return a reference to it`;
          return {
            kind: 'ran',
            result: {
              outcome: AttemptOutcome.FATAL,
              error: { message, type: 'OutputTooLargeError', retryable: false },
              ...timing,
            },
            summary: `output too large (${bytes} bytes)`,
          };
        }
        return {
          kind: 'ran',
          result: { outcome: AttemptOutcome.SUCCESS, output: out.output, ...timing },
          summary: `success after ${t} tr${t === 1 ? 'y' : 'ies'}`,
        };
      }
      if (out.outcome === 'skipped')
        return {
          kind: 'ran',
          result: {
            outcome: AttemptOutcome.SKIPPED,
            error: { message: out.reason, type: 'SkipTask', retryable: false },
            ...timing,
          },
          summary: `skipped by its handler: ${out.reason}`,
        };
      const { error } = out;
      if (!error.retryable || t >= tries) {
        return {
          kind: 'ran',
          result: {
            outcome: error.retryable ? AttemptOutcome.FAILED : AttemptOutcome.FATAL,
            error,
            ...timing,
          },
          summary: `failed after ${t} of ${tries} tr${tries === 1 ? 'y' : 'ies'}: ${error.type}: ${error.message}`,
        };
      }
      const delay = retryDelayMs({ attempt: t, ...settings, random: this.random });
      logs.push({
        at: this.now(),
        level: 'warn',
        message: `try ${t} of ${tries} failed (${error.type}: ${error.message}); retrying in ${delay} ms`,
        fields: { try: t, tries, delayMs: delay },
      });
      await this.sleep(delay, signal);
      const superseded = await this.supersededReason(trigger);
      if (superseded) return { kind: 'superseded', reason: superseded };
    }
  }
}

function stale(reason: string): ConsolidationDecision {
  return { kind: 'stale', reason };
}

/** "3 group(s): 2 success, 1 failed", for the messages of skipped/upstream_failed results. */
function groupSummary(state: RunState): string {
  let success = 0;
  let failed = 0;
  const unresolved: string[] = [];
  for (const block of state.index.topLevelBlocks) {
    const slot = state.slots.get(slotKeyOf(null, block));
    if (slot?.status === 'unresolved') unresolved.push(`${block} ${slot.unresolvedState ?? 'unresolved'}`);
    for (const path of slot?.groups ?? []) {
      if (state.groups.get(path)?.state === 'success') success += 1;
      else failed += 1;
    }
  }
  const blocks = unresolved.length > 0 ? `; block ${unresolved.join(', ')}` : '';
  return `${success + failed} group(s): ${success} success, ${failed} failed${blocks}`;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
