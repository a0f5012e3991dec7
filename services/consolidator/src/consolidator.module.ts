import { INFRASTRUCTURE } from '@tributary/runtime';
import { Module, type DynamicModule } from '@nestjs/common';
import type { Infrastructure } from '@tributary/runtime';
import { ConsolidatorService } from './consolidator.service.js';
import { ConsolidationDueController } from './consolidation-due.controller.js';

@Module({})
export class ConsolidatorModule {
  static register(infra: Infrastructure): DynamicModule {
    return {
      module: ConsolidatorModule,
      controllers: [ConsolidationDueController],
      providers: [{ provide: INFRASTRUCTURE, useValue: infra }, ConsolidatorService],
      exports: [ConsolidatorService],
    };
  }
}
