import { Module, type DynamicModule } from '@nestjs/common';
import type { Infrastructure } from '@tributary/runtime';
import { INFRASTRUCTURE } from './tokens.js';
import { PlannerService } from './planner.service.js';

@Module({})
export class PlannerModule {
  static register(infra: Infrastructure): DynamicModule {
    return {
      module: PlannerModule,
      providers: [{ provide: INFRASTRUCTURE, useValue: infra }, PlannerService],
      exports: [PlannerService],
    };
  }
}
