import {
  INFRASTRUCTURE,
  answerPresence,
  loadSecretsKeyring,
  maxOutputBytesFrom,
  PlanCache,
} from '@tributary/runtime';
import { sanitizeText } from '@tributary/domain';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  AttemptOutcome,
  encodeResultBatch,
  RUN_ID_HEADER,
  TRACEPARENT_HEADER,
  type ConsolidationDue,
  type ResultBatch,
} from '@tributary/events';
import type { Subscription } from '@nats-io/transport-node';
import { publish } from '@tributary/messaging';
import type { Infrastructure } from '@tributary/runtime';
import { builtinHandlers, HandlerRegistry, loadHandlerModules } from '@tributary/worker-sdk';
import { CONSOLIDATOR_CONCURRENCY } from './consolidator.consumers.js';
import { Consolidator } from './consolidation-round.js';
import { consolidationResultBatch, type ConsolidationResult } from './consolidation-result.js';

/** The handlers a consolidator hosts: the built-ins, then every TRIBUTARY_HANDLERS module. */
export async function loadConsolidatorHandlers(
  specifiers: readonly string[],
  cwd: string = process.cwd(),
): Promise<HandlerRegistry> {
  const registry = new HandlerRegistry().registerAll(builtinHandlers, 'builtin');
  return loadHandlerModules(specifiers, { cwd, registry });
}

/**
 * Takes the fan-in's ConsolidationDue messages, runs (or rules out) each round's consolidation
 * in-process and publishes its one result to the run's RESULTS subject for the planner to record.
 */
@Injectable()
export class ConsolidatorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('consolidator');
  private readonly stopping = new AbortController();
  private consolidator: Consolidator | null = null;
  private presenceSub: Subscription | null = null;
  /** Consolidation rounds being handled right now (the load in presence answers). */
  private inFlight = 0;

  constructor(@Inject(INFRASTRUCTURE) private readonly infra: Infrastructure) {}

  async onApplicationBootstrap(): Promise<void> {
    const { infra } = this;
    const registry = await loadConsolidatorHandlers(infra.config.handlers);
    const host = sanitizeText(infra.config.host);
    this.consolidator = new Consolidator(infra.db, new PlanCache(infra.db), registry, {
      host,
      maxOutputBytes: maxOutputBytesFrom(process.env),
      secrets: loadSecretsKeyring(),
    });
    const executors = registry.names();
    this.presenceSub = answerPresence(
      infra.nc,
      infra.subjects,
      { kind: 'consolidator', hostname: host },
      () => ({
        executors,
        inFlight: this.inFlight,
        concurrency: CONSOLIDATOR_CONCURRENCY,
      }),
    );
    this.logger.log(
      `consolidator ready (prefix ${infra.config.subjectPrefix}, handlers: ${registry.names().join(', ')})`,
    );
  }

  /**
   * Runs (or rules out) one consolidation round and publishes its one result. Returning acks the
   * trigger; throwing naks it for a retry (the result's batch id makes a second publish a no-op).
   */
  async handle(due: ConsolidationDue, traceparent: string | null): Promise<void> {
    const { runId, round } = due;
    this.inFlight++;
    let decision;
    try {
      decision = await this.consolidator!.consolidate({ runId, round }, this.stopping.signal);
    } finally {
      this.inFlight--;
    }
    if (decision.kind === 'stale') {
      this.logger.log(`run ${runId} round ${round}: stale trigger acknowledged (${decision.reason})`);
      return;
    }
    const payload = this.fitted(decision.result, decision.batch);
    const published = await publish(this.infra.js, this.infra.subjects.result(runId), payload.bytes, {
      msgId: payload.batchId,
      headers: { [RUN_ID_HEADER]: runId, ...(traceparent ? { [TRACEPARENT_HEADER]: traceparent } : {}) },
    });
    this.logger.log(
      `run ${runId} round ${round}: ${decision.summary}` +
        (published.duplicate ? ' (result already published)' : ''),
    );
  }

  /**
   * The encoded result, or — when even with capped logs it is over the NATS server's max_payload (an
   * output limit set above it) — a FATAL ResultTooLargeError without output and logs, so the round
   * still ends instead of failing to publish on every delivery.
   */
  private fitted(result: ConsolidationResult, batch: ResultBatch): { bytes: Uint8Array; batchId: string } {
    const bytes = encodeResultBatch(batch);
    const maxPayload = (this.infra.nc.info?.max_payload ?? 1024 * 1024) - 4 * 1024;
    if (bytes.byteLength <= maxPayload) return { bytes, batchId: batch.batchId };
    const { output: _output, logs: _logs, ...rest } = result;
    const failed: ConsolidationResult = {
      ...rest,
      outcome: AttemptOutcome.FATAL,
      error: {
        message:
          `the result of this consolidation (${bytes.byteLength} bytes with its output and logs) is over the NATS ` +
          `server's max_payload of ${maxPayload + 4 * 1024} bytes; output and logs were dropped: return less data or ` +
          'store it elsewhere (TRIBUTARY_MAX_OUTPUT_BYTES should leave room for logs under max_payload)',
        type: 'ResultTooLargeError',
        retryable: false,
      },
    };
    this.logger.warn(
      `run ${result.runId} round ${result.round}: result of ${bytes.byteLength} bytes too large to publish`,
    );
    const refused = consolidationResultBatch(failed);
    return { bytes: encodeResultBatch(refused), batchId: refused.batchId };
  }

  onApplicationShutdown(): void {
    this.presenceSub?.unsubscribe();
    this.stopping.abort();
  }
}
