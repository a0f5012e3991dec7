import { INFRASTRUCTURE } from '@tributary/runtime';
import { Module, type DynamicModule } from '@nestjs/common';
import type { Infrastructure } from '@tributary/runtime';
import { FanInService } from './fan-in.service.js';

@Module({})
export class FanInModule {
  static register(infra: Infrastructure): DynamicModule {
    return {
      module: FanInModule,
      providers: [{ provide: INFRASTRUCTURE, useValue: infra }, FanInService],
      exports: [FanInService],
    };
  }
}
