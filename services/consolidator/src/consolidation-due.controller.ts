import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { ConsolidationDue } from '@tributary/events';
import { TRACEPARENT_HEADER } from '@tributary/events';
import type { JetStreamContext } from '@tributary/messaging';
import { CONSOLIDATION_DUE } from './consolidator.consumers.js';
import { ConsolidatorService } from './consolidator.service.js';

/** The fan-in's ConsolidationDue messages, delivered by the JetStream transport (durable `consolidator`, acked on return). */
@Controller()
export class ConsolidationDueController {
  constructor(@Inject(ConsolidatorService) private readonly consolidator: ConsolidatorService) {}

  // `<string>`: Nest 12's typed overloads would type the extra handler arguments as `unknown`.
  @EventPattern<string>(CONSOLIDATION_DUE)
  async onDue(@Payload() due: ConsolidationDue, @Ctx() context: JetStreamContext): Promise<void> {
    await this.consolidator.handle(due, context.getHeader(TRACEPARENT_HEADER) ?? null);
  }
}
