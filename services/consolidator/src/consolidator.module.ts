import { INFRASTRUCTURE } from '@tributary/runtime';
import { Module, type DynamicModule } from '@nestjs/common';
import type { Infrastructure } from '@tributary/runtime';
import { ConsolidatorService } from './consolidator.service.js';
import { ConsolidationTriggerController } from './consolidation-trigger.controller.js';

@Module({})
export class ConsolidatorModule {
  static register(infra: Infrastructure): DynamicModule {
    return {
      module: ConsolidatorModule,
      controllers: [ConsolidationTriggerController],
      providers: [{ provide: INFRASTRUCTURE, useValue: infra }, ConsolidatorService],
      exports: [ConsolidatorService],
    };
  }
}
