import { INFRASTRUCTURE } from '@tributary/runtime';
import { Module, type DynamicModule } from '@nestjs/common';
import type { Infrastructure } from '@tributary/runtime';
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
