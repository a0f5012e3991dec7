import { decodeConsolidationDue } from '@tributary/events';
import { JetStreamServer } from '@tributary/messaging';
import {
  deadLetterRecorder,
  loadConfig,
  startNestMicroservice,
  type RunningService,
  type TributaryConfig,
} from '@tributary/runtime';
import { Logger } from '@nestjs/common';
import { ConsolidatorModule } from './consolidator.module.js';
import {
  CONSOLIDATION_DUE,
  CONSOLIDATOR_CONCURRENCY,
  CONSOLIDATOR_HEARTBEAT_MS,
  consolidatorConsumer,
} from './consolidator.consumers.js';

/**
 * Starts the consolidator (alone, or beside the others in `tributary dev`): a NestJS microservice on the
 * JetStream transport, its one binding the fan-in's ConsolidationDue messages.
 */
export function startConsolidator(config: TributaryConfig = loadConfig()): Promise<RunningService> {
  const logger = new Logger('consolidator');
  return startNestMicroservice(
    'consolidator',
    config,
    (infra) => ConsolidatorModule.register(infra),
    (infra) => {
      // Terminated messages (undecodable, or a handler error that can never succeed) are logged and stored in dead_letters.
      const deadLetters = deadLetterRecorder(infra.db, 'consolidator', (line) => logger.error(line));
      return new JetStreamServer({
        connection: infra.nc,
        bindings: [
          {
            ...consolidatorConsumer(infra),
            pattern: CONSOLIDATION_DUE,
            concurrency: CONSOLIDATOR_CONCURRENCY,
            heartbeatMs: CONSOLIDATOR_HEARTBEAT_MS,
            decode: (msg) => {
              const decoded = decodeConsolidationDue(msg.data);
              if (!decoded.ok) throw decoded.error;
              return decoded.value;
            },
          },
        ],
        onPoison: (msg, reason, error) => deadLetters.onPoison(msg, reason, error),
        onDeadLetter: (event) => deadLetters.onDeadLetter(event),
      });
    },
  );
}
