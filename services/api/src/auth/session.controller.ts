import { Controller, Get, Query } from '@nestjs/common';
import { QueryFields } from '../http/fields.js';
import { Caller, MinRole, type Principal } from './principal.js';

/**
 * `GET /session`: who the bearer token is and what role it has, so a client (the web UI) can show a
 * viewer no action it would be refused. The routes check the role anyway.
 */
@Controller('session')
@MinRole('viewer')
export class SessionController {
  @Get()
  show(@Query() query: Record<string, unknown>, @Caller() caller: Principal) {
    new QueryFields(query).finish();
    return { name: caller.name, role: caller.role };
  }
}
