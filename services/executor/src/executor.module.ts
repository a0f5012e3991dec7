import { INFRASTRUCTURE } from '@tributary/runtime';
import { Module, type DynamicModule } from '@nestjs/common';
import type { Infrastructure } from '@tributary/runtime';
import { ExecutorService, type ExecutorSettings } from './executor.service.js';
import { EXECUTOR_SETTINGS } from './tokens.js';

@Module({})
export class ExecutorModule {
  static register(infra: Infrastructure, settings: ExecutorSettings): DynamicModule {
    return {
      module: ExecutorModule,
      providers: [
        { provide: INFRASTRUCTURE, useValue: infra },
        { provide: EXECUTOR_SETTINGS, useValue: settings },
        ExecutorService,
      ],
      exports: [ExecutorService],
    };
  }
}
