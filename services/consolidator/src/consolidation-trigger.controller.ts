import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { DecodedRunEvent } from '@tributary/events';
import { TRACEPARENT_HEADER } from '@tributary/events';
import type { JetStreamContext } from '@tributary/messaging';
import { CONSOLIDATION_TRIGGERED } from './consolidator.consumers.js';
import { ConsolidatorService } from './consolidator.service.js';

/** The fan-in's triggers, delivered by the JetStream transport (durable `consolidator`, acked on return). */
@Controller()
export class ConsolidationTriggerController {
  constructor(@Inject(ConsolidatorService) private readonly consolidator: ConsolidatorService) {}

  // `<string>`: Nest 12's typed overloads would type the extra handler arguments as `unknown`.
  @EventPattern<string>(CONSOLIDATION_TRIGGERED)
  async onTrigger(@Payload() decoded: DecodedRunEvent, @Ctx() context: JetStreamContext): Promise<void> {
    await this.consolidator.handle(decoded, context.getHeader(TRACEPARENT_HEADER) ?? null);
  }
}
