import { Controller, Get, Inject, Query } from '@nestjs/common';
import type { SessionBody } from '@tributary/api-contract';
import { QueryFields } from '../http/fields.js';
import { ApiOperation } from '../openapi/api-operation.js';
import { Caller, MinRole, type Principal } from './principal.js';
import { TRACE_URL } from './trace-url.js';

/**
 * `GET /session`: who the bearer token is and what role it has, so a client (the web UI) can show a
 * viewer no action it would be refused (the routes check the role anyway), and where trace ids link to
 * (`traceUrl`, a template with `{traceId}`, from TRIBUTARY_TRACE_URL; null when unset).
 */
@Controller('session')
@MinRole('viewer')
export class SessionController {
  constructor(@Inject(TRACE_URL) private readonly traceUrl: string | null) {}

  @Get()
  @ApiOperation({
    summary: 'Who the bearer token is, its role, and where trace ids link to.',
    response: 'SessionBody',
  })
  show(@Query() query: Record<string, unknown>, @Caller() caller: Principal): SessionBody {
    new QueryFields(query).finish();
    return { name: caller.name, role: caller.role, traceUrl: this.traceUrl };
  }
}
