import { decodeRunEvent } from '@tributary/events';
import { JetStreamServer } from '@tributary/messaging';
import {
  loadConfig,
  startNestMicroservice,
  type RunningService,
  type TributaryConfig,
} from '@tributary/runtime';
import { Logger } from '@nestjs/common';
import { ConsolidatorModule } from './consolidator.module.js';
import {
  CONSOLIDATION_TRIGGERED,
  CONSOLIDATOR_CONCURRENCY,
  CONSOLIDATOR_HEARTBEAT_MS,
  consolidatorConsumer,
} from './consolidator.consumers.js';

/**
 * Starts the consolidator (alone, or beside the others in `tributary dev`): a NestJS microservice on the
 * JetStream transport, its one binding the fan-in's triggers.
 */
export function startConsolidator(config: TributaryConfig = loadConfig()): Promise<RunningService> {
  const logger = new Logger('consolidator');
  return startNestMicroservice(
    'consolidator',
    config,
    (infra) => ConsolidatorModule.register(infra),
    (infra) =>
      new JetStreamServer({
        connection: infra.nc,
        bindings: [
          {
            ...consolidatorConsumer(infra),
            pattern: CONSOLIDATION_TRIGGERED,
            concurrency: CONSOLIDATOR_CONCURRENCY,
            heartbeatMs: CONSOLIDATOR_HEARTBEAT_MS,
            decode: (msg) => {
              const decoded = decodeRunEvent(msg.data);
              if (!decoded.ok) throw decoded.error;
              return decoded;
            },
          },
        ],
        onPoison: (msg, reason) =>
          logger.error(`undecodable fan-in message ${msg.subject} #${msg.seq} terminated: ${reason}`),
      }),
  );
}
