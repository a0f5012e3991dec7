import { Controller, Get, Inject, Query } from '@nestjs/common';
import { MinRole } from '../auth/principal.js';
import { QueryFields } from '../http/fields.js';
import { LiveExecutors, type ExecutorsView } from './live-executors.js';

/** `GET /executors`: the live hosts, the executors each serves and their load. */
@Controller('executors')
export class ExecutorsController {
  constructor(@Inject(LiveExecutors) private readonly live: LiveExecutors) {}

  @Get()
  @MinRole('viewer')
  async list(@Query() query: Record<string, unknown>): Promise<ExecutorsView> {
    new QueryFields(query).finish();
    return this.live.view();
  }
}
