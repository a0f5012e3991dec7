import { Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import {
  describeBytes,
  sendOperatorCommand,
  type Infrastructure,
  type OperatorCommand,
} from '@tributary/runtime';
import { Caller, MinRole, type Principal } from '../auth/principal.js';
import { ApiError } from '../http/api-error.js';
import { jsonBody } from '../http/body.js';
import { BodyFields } from '../http/fields.js';
import { runIdParam } from './run-id.js';
import type { ApiRequest } from '../http/http-types.js';
import { INFRASTRUCTURE } from '../tokens.js';

const REASON = { required: true, maxLength: 2000 } as const;
const TASK_ID = { maxLength: 2048 } as const;

/** Status of a planner refusal: the domain said no (409) unless the thing is missing or nobody answered. */
const STATUS_OF: Record<string, number> = {
  unknown_task: 404,
  run_not_started: 404,
  no_planner: 503,
  invalid_request: 400,
  internal: 502,
};

/**
 * Operator actions (clear, cancel, mark): validated here, decided by the planner (the only writer
 * of task-instance state) over NATS request/reply, with the token's name as the actor.
 */
@Controller('runs/:id')
@MinRole('operator')
export class RunActionsController {
  constructor(@Inject(INFRASTRUCTURE) private readonly infra: Infrastructure) {}

  @Post('clear')
  @HttpCode(200)
  async clear(@Param('id') id: string, @Req() req: ApiRequest, @Caller() caller: Principal) {
    const body = new BodyFields(jsonBody(req));
    const taskIds = body.stringList('taskIds', { ...TASK_ID, minItems: 1, maxItems: 10_000 });
    const downstream = body.boolean('downstream', true);
    const onlyFailed = body.boolean('onlyFailed', false);
    const reason = body.string('reason', REASON);
    body.finish();
    return this.send({
      type: 'ClearTaskInstances',
      runId: runIdParam(id),
      taskIds,
      downstream,
      onlyFailed,
      actor: caller.name,
      reason,
    });
  }

  @Post('cancel')
  @HttpCode(200)
  async cancel(@Param('id') id: string, @Req() req: ApiRequest, @Caller() caller: Principal) {
    const body = new BodyFields(jsonBody(req));
    const reason = body.string('reason', REASON);
    body.finish();
    return this.send({ type: 'CancelRun', runId: runIdParam(id), actor: caller.name, reason });
  }

  @Post('mark')
  @HttpCode(200)
  async mark(@Param('id') id: string, @Req() req: ApiRequest, @Caller() caller: Principal) {
    const body = new BodyFields(jsonBody(req));
    const taskId = body.string('taskId', { ...TASK_ID, required: true });
    const state = body.string('state', { required: true, oneOf: ['success', 'failed', 'skipped'] }) as
      'success' | 'failed' | 'skipped';
    const reason = body.string('reason', REASON);
    body.finish();
    return this.send({
      type: 'MarkTaskInstance',
      runId: runIdParam(id),
      taskId,
      state,
      actor: caller.name,
      reason,
    });
  }

  private async send(command: OperatorCommand) {
    // A command NATS cannot carry would come back as "no planner answered" (503, try again): it is the
    // request that is too large, and trying again cannot help.
    const bytes = Buffer.byteLength(JSON.stringify(command));
    const maxPayload = this.infra.nc.info?.max_payload ?? 1024 * 1024;
    if (bytes > maxPayload) {
      throw new ApiError(
        413,
        'payload_too_large',
        `this ${command.type} command is ${describeBytes(bytes)}; the NATS server carries at most ${describeBytes(maxPayload)} (max_payload): name fewer or shorter task ids`,
      );
    }
    const reply = await sendOperatorCommand(this.infra.nc, this.infra.config.subjectPrefix, command);
    if (reply.ok) return { ok: true, events: reply.events, eventTypes: reply.eventTypes };
    throw new ApiError(STATUS_OF[reply.error.code] ?? 409, reply.error.code, reply.error.message);
  }
}
