import { Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import type {
  CancelledAnswer,
  ClearedAnswer,
  GroupRetriedAnswer,
  MarkedAnswer,
  MarkRequest,
} from '@tributary/api-contract';
import { invalidTaskSelectorReason, TASK_STATES, type TaskState } from '@tributary/domain';
import {
  INFRASTRUCTURE,
  describeBytes,
  encodeOperatorCommand,
  sendOperatorCommand,
  type Infrastructure,
  type OperatorCommand,
} from '@tributary/runtime';
import { Caller, MinRole, type Principal } from '../auth/principal.js';
import { ApiError } from '../http/api-error.js';
import { jsonBody } from '../http/body.js';
import { BodyFields } from '../http/fields.js';
import { ApiOperation } from '../openapi/api-operation.js';
import { runIdParam } from './run-id.js';
import type { ApiRequest } from '../http/http-types.js';

/** Optional for clear, mark and group retry (recorded when given); required to cancel a run. */
const REASON = { maxLength: 2000 } as const;
const TASK_ID = { maxLength: 2048 } as const;
/** A group path: `name=key` segments (`market=GR`, `market=GR/lang=el`), no patterns. */
const GROUP_PATH = /^[^\s/=[\]#|*>]+=[^\s/=[\]#|*>]+(\/[^\s/=[\]#|*>]+=[^\s/=[\]#|*>]+)*$/;

/** The states an operator may mark an instance with (MarkRequest's `state`, which the schema shows). */
const MARK_STATES = ['success', 'failed', 'skipped'] as const satisfies readonly MarkRequest['state'][];

const selectorProblem = (selector: string): string | null => {
  const problem = invalidTaskSelectorReason(selector);
  return problem && `task selector ${problem}`;
};

/** Status of a planner refusal: the domain said no (409) unless the thing is missing or nobody answered. */
const STATUS_OF: Record<string, number> = {
  unknown_task: 404,
  run_not_started: 404,
  no_planner: 503,
  invalid_request: 400,
  internal: 502,
};

/**
 * Operator actions (clear, group retry, cancel, mark): validated here, decided by the planner (the only
 * writer of task-instance state) over NATS request/reply, with the token's name as the actor. Replies
 * name the task instances the action reset, marked or cancelled.
 */
@Controller('runs/:id')
@MinRole('operator')
export class RunActionsController {
  constructor(@Inject(INFRASTRUCTURE) private readonly infra: Infrastructure) {}

  /** Selectors (exact ids, group paths, `*` patterns) resolved by the planner against the run's instances. */
  @Post('clear')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Clears task instances (and, by default, what is downstream) so they run again.',
    body: 'ClearRequest',
    response: 'ClearedAnswer',
  })
  async clear(
    @Param('id') id: string,
    @Req() req: ApiRequest,
    @Caller() caller: Principal,
  ): Promise<ClearedAnswer> {
    const body = new BodyFields(jsonBody(req));
    const taskIds = body.stringList('taskIds', {
      ...TASK_ID,
      minItems: 1,
      maxItems: 10_000,
      check: selectorProblem,
    });
    const downstream = body.boolean('downstream', true);
    const onlyFailed = body.boolean('onlyFailed', false);
    const states = body.stringList('states', {
      oneOf: TASK_STATES,
      minItems: 1,
      maxItems: 10,
      optional: true,
    });
    const reason = body.string('reason', REASON);
    const dryRun = body.boolean('dryRun', false);
    body.finish();
    const taskIdsCleared = await this.send({
      type: 'ClearTaskInstances',
      runId: runIdParam(id),
      taskIds,
      downstream,
      onlyFailed,
      ...(states ? { states: states as TaskState[] } : {}),
      actor: caller.name,
      ...(reason !== undefined ? { reason } : {}),
      dryRun,
    });
    return { ok: true, dryRun, cleared: taskIdsCleared };
  }

  /**
   * Every instance of a group (nested groups included), whatever its state, and everything downstream
   * of it — the consolidation — run again; the other groups keep their instances and attempts.
   */
  @Post('groups/retry')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Runs every instance of a group, and what is downstream of it, again.',
    body: 'GroupRetryRequest',
    response: 'GroupRetriedAnswer',
  })
  async retryGroup(
    @Param('id') id: string,
    @Req() req: ApiRequest,
    @Caller() caller: Principal,
  ): Promise<GroupRetriedAnswer> {
    const body = new BodyFields(jsonBody(req));
    const group = body.string('group', {
      ...TASK_ID,
      required: true,
      pattern: GROUP_PATH,
      patternHint: 'a group path such as market=GR or market=GR/lang=el',
    });
    const reason = body.string('reason', REASON);
    const dryRun = body.boolean('dryRun', false);
    body.finish();
    const runId = runIdParam(id);
    try {
      const cleared = await this.send({
        type: 'ClearTaskInstances',
        runId,
        taskIds: [group],
        downstream: true,
        onlyFailed: false,
        actor: caller.name,
        ...(reason !== undefined ? { reason } : {}),
        dryRun,
      });
      return { ok: true, dryRun, group, cleared };
    } catch (error) {
      if (error instanceof ApiError && error.code === 'unknown_task')
        throw new ApiError(
          404,
          'unknown_group',
          `run ${runId} has no group ${group} (no task instance in it)`,
        );
      throw error;
    }
  }

  @Post('cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancels the run.', body: 'CancelRequest', response: 'CancelledAnswer' })
  async cancel(
    @Param('id') id: string,
    @Req() req: ApiRequest,
    @Caller() caller: Principal,
  ): Promise<CancelledAnswer> {
    const body = new BodyFields(jsonBody(req));
    const reason = body.string('reason', { ...REASON, required: true });
    body.finish();
    const cancelled = await this.send({
      type: 'CancelRun',
      runId: runIdParam(id),
      actor: caller.name,
      reason,
    });
    return { ok: true, cancelled };
  }

  @Post('mark')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Marks a task instance success, failed or skipped.',
    body: 'MarkRequest',
    response: 'MarkedAnswer',
  })
  async mark(
    @Param('id') id: string,
    @Req() req: ApiRequest,
    @Caller() caller: Principal,
  ): Promise<MarkedAnswer> {
    const body = new BodyFields(jsonBody(req));
    const taskId = body.string('taskId', { ...TASK_ID, required: true });
    const state = body.string('state', { required: true, oneOf: MARK_STATES }) as MarkRequest['state'];
    const reason = body.string('reason', REASON);
    body.finish();
    const marked = await this.send({
      type: 'MarkTaskInstance',
      runId: runIdParam(id),
      taskId,
      state,
      actor: caller.name,
      ...(reason !== undefined ? { reason } : {}),
    });
    return { ok: true, marked };
  }

  /** The task instances the planner says the command affected. */
  private async send(command: OperatorCommand): Promise<string[]> {
    // A command NATS cannot carry would come back as "no planner answered" (503, try again): it is the
    // request that is too large, and trying again cannot help.
    const bytes = encodeOperatorCommand(command).byteLength;
    const maxPayload = this.infra.nc.info?.max_payload ?? 1024 * 1024;
    if (bytes > maxPayload) {
      throw new ApiError(
        413,
        'payload_too_large',
        `this ${command.type} command is ${describeBytes(bytes)}; the NATS server carries at most ${describeBytes(maxPayload)} (max_payload): name fewer or shorter task ids`,
      );
    }
    const reply = await sendOperatorCommand(this.infra.nc, this.infra.config.subjectPrefix, command);
    if (reply.ok) return reply.taskIds;
    throw new ApiError(STATUS_OF[reply.error.code] ?? 409, reply.error.code, reply.error.message);
  }
}
