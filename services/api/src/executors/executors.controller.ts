import { Controller, Get, Inject, Query } from '@nestjs/common';
import { MinRole } from '../auth/principal.js';
import { QueryFields } from '../http/fields.js';
import { ApiOperation } from '../openapi/api-operation.js';
import type { ExecutorsView } from '@tributary/api-contract';
import { LiveExecutors } from './live-executors.js';

/** `GET /executors`: the live hosts, the executors each serves and their load. */
@Controller('executors')
export class ExecutorsController {
  constructor(@Inject(LiveExecutors) private readonly live: LiveExecutors) {}

  @Get()
  @MinRole('viewer')
  @ApiOperation({
    summary: 'The live hosts, the executors each serves and their load.',
    response: 'ExecutorsView',
  })
  async list(@Query() query: Record<string, unknown>): Promise<ExecutorsView> {
    new QueryFields(query).finish();
    return this.live.view();
  }
}
