import { PlanCache } from '@tributary/runtime';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  encodeResultBatch,
  RUN_ID_HEADER,
  TRACEPARENT_HEADER,
  type DecodedRunEvent,
} from '@tributary/events';
import { publish } from '@tributary/messaging';
import type { Infrastructure } from '@tributary/runtime';
import { builtinHandlers, HandlerRegistry, loadHandlerModules } from '@tributary/worker-sdk';
import { INFRASTRUCTURE } from './tokens.js';
import { Consolidator } from './consolidation.js';

/** The handlers a consolidator hosts: the built-ins, then every TRIBUTARY_HANDLERS module. */
export async function loadConsolidatorHandlers(
  specifiers: readonly string[],
  cwd: string = process.cwd(),
): Promise<HandlerRegistry> {
  const registry = new HandlerRegistry().registerAll(builtinHandlers, 'builtin');
  return loadHandlerModules(specifiers, { cwd, registry });
}

/**
 * Takes the fan-in's ConsolidationTriggered messages, runs (or rules out) each round's consolidation
 * in-process and publishes its one result to the run's RESULTS subject for the planner to record.
 */
@Injectable()
export class ConsolidatorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('consolidator');
  private readonly stopping = new AbortController();
  private consolidator: Consolidator | null = null;

  constructor(@Inject(INFRASTRUCTURE) private readonly infra: Infrastructure) {}

  async onApplicationBootstrap(): Promise<void> {
    const { infra } = this;
    const registry = await loadConsolidatorHandlers(infra.config.handlers);
    this.consolidator = new Consolidator(infra.db, new PlanCache(infra.db), registry, {
      host: infra.config.host,
    });
    this.logger.log(
      `consolidator ready (prefix ${infra.config.subjectPrefix}, handlers: ${registry.names().join(', ')})`,
    );
  }

  /**
   * Runs (or rules out) one consolidation round and publishes its one result. Returning acks the
   * trigger; throwing naks it for a retry (the result's batch id makes a second publish a no-op).
   */
  async handle(decoded: DecodedRunEvent, traceparent: string | null): Promise<void> {
    const { event, meta } = decoded;
    if (event.type !== 'ConsolidationTriggered') return;
    const runId = meta.runId;
    const decision = await this.consolidator!.consolidate(
      { runId, round: event.round },
      this.stopping.signal,
    );
    if (decision.kind === 'stale') {
      this.logger.log(`run ${runId} round ${event.round}: stale trigger acknowledged (${decision.reason})`);
      return;
    }
    const { batch } = decision;
    const published = await publish(
      this.infra.js,
      this.infra.subjects.result(runId),
      encodeResultBatch(batch),
      {
        msgId: batch.batchId,
        headers: { [RUN_ID_HEADER]: runId, ...(traceparent ? { [TRACEPARENT_HEADER]: traceparent } : {}) },
      },
    );
    this.logger.log(
      `run ${runId} round ${event.round}: ${decision.summary}` +
        (published.duplicate ? ' (result already published)' : ''),
    );
  }

  onApplicationShutdown(): void {
    this.stopping.abort();
  }
}
