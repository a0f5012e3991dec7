import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import type { GridCell, RunEvent, RunSummary, RunViewBody, TaskLogEntry } from '@tributary/api-contract';
import { notFound } from '../http/api-error.js';
import { ApiOperation } from '../openapi/api-operation.js';
import { pathParam, QueryFields } from '../http/fields.js';
import type { ApiResponse } from '../http/http-types.js';
import { Caller, MinRole, type Principal } from '../auth/principal.js';
import { runIdParam } from './run-id.js';
import { RUN_STATES, RunQueries } from './run-queries.js';
import { RunStreams } from './run-streams.js';

const notYet = (runId: string) =>
  notFound(`run ${runId} does not exist (yet: a trigger appears here once the planner has processed it)`);

/** Read side of runs: list, run view, event log, task logs, live stream. */
@Controller('runs')
@MinRole('viewer')
export class RunsController {
  constructor(
    @Inject(RunQueries) private readonly queries: RunQueries,
    @Inject(RunStreams) private readonly streams: RunStreams,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Runs, newest first.',
    query: {
      pipeline: { description: 'Only runs of this pipeline.' },
      state: { enum: RUN_STATES, description: 'Only runs in this state.' },
      partial: { type: 'boolean', description: 'Only successes with a failed group or instance.' },
      limit: { type: 'integer', description: 'How many (default 100).' },
    },
    response: 'RunSummary[]',
  })
  async list(@Query() query: Record<string, unknown>): Promise<RunSummary[]> {
    const q = new QueryFields(query);
    const pipeline = q.string('pipeline', { maxLength: 256 });
    const state = q.string('state', { oneOf: RUN_STATES });
    const partial = q.string('partial', { oneOf: ['true', 'false'] });
    const limit = q.integer('limit', { min: 1, max: 1000 }) ?? 100;
    q.finish();
    return this.queries.listRuns({ pipeline, state, partial: partial === 'true', limit });
  }

  @Get(':id')
  @ApiOperation({
    summary: 'The run, its groups and aggregates (instances are paged: /runs/{id}/tasks).',
    response: 'RunViewBody',
  })
  async show(@Param('id') id: string, @Query() query: Record<string, unknown>): Promise<RunViewBody> {
    new QueryFields(query).finish();
    const found = await this.queries.runView(runIdParam(id));
    if (!found) throw notYet(id);
    return found.view;
  }

  /** Instances per group × stage × state: the grid of the web UI, without listing instances. */
  @Get(':id/grid')
  @ApiOperation({ summary: 'Instances per group × stage × state.', response: 'GridCell[]' })
  async grid(@Param('id') id: string, @Query() query: Record<string, unknown>): Promise<GridCell[]> {
    new QueryFields(query).finish();
    const cells = await this.queries.grid(runIdParam(id));
    if (!cells) throw notYet(id);
    return cells;
  }

  @Get(':id/events')
  @ApiOperation({
    summary: "A page of the run's event log, with every field its hash covers (docs/audit.md).",
    query: {
      after: { type: 'integer', description: 'Only events after this runSeq (default 0).' },
      limit: { type: 'integer', description: 'How many (default 1000).' },
      taskId: { description: "Only this task instance's events." },
      type: { description: 'Only events of this type, e.g. TaskInstanceFailed.' },
    },
    response: 'RunEvent[]',
  })
  async events(@Param('id') id: string, @Query() query: Record<string, unknown>): Promise<RunEvent[]> {
    const q = new QueryFields(query);
    const after = q.integer('after', { min: 0, max: Number.MAX_SAFE_INTEGER }) ?? 0;
    const limit = q.integer('limit', { min: 1, max: 10_000 }) ?? 1000;
    // One instance's events (its attempts, for the UI's drawer) or one event type (e.g. ConsolidationTriggered).
    const taskId = q.string('taskId', { maxLength: 2048 });
    const type = q.string('type', {
      maxLength: 64,
      pattern: /^[A-Za-z]+$/,
      patternHint: 'an event type such as TaskInstanceFailed',
    });
    q.finish();
    const runId = runIdParam(id);
    const events = await this.queries.events(runId, after, limit, { taskId, type });
    if (events.length === 0 && !(await this.queries.runExists(runId))) throw notYet(runId);
    return events;
  }

  @Get(':id/tasks/:taskId/logs')
  @ApiOperation({
    summary: 'The lines a task instance logged, by attempt.',
    query: {
      attempt: { type: 'integer', description: 'Only this attempt.' },
      limit: { type: 'integer', description: 'How many (default 10000).' },
    },
    response: 'TaskLogEntry[]',
  })
  async logs(
    @Param('id') id: string,
    @Param('taskId') taskId: string,
    @Query() query: Record<string, unknown>,
  ): Promise<TaskLogEntry[]> {
    const q = new QueryFields(query);
    const attempt = q.integer('attempt', { min: 1, max: 1_000_000 });
    const limit = q.integer('limit', { min: 1, max: 100_000 }) ?? 10_000;
    q.finish();
    const runId = runIdParam(id);
    pathParam('taskId', taskId, 2048);
    const logs = await this.queries.logs(runId, taskId, attempt, limit);
    if (logs.length === 0 && !(await this.queries.taskExists(runId, taskId))) {
      if (!(await this.queries.runExists(runId))) throw notYet(runId);
      throw notFound(`run ${runId} has no task instance ${taskId} (task ids are URL-encoded in the path)`);
    }
    return logs;
  }

  /** Server-sent events: a snapshot, then every event of the run until it completes or is cancelled. */
  @Get(':id/stream')
  @ApiOperation({
    summary: 'Server-sent events: a RunViewBody snapshot, then every event of the run until it ends.',
    response: { mediaTypes: ['text/event-stream'], description: 'Server-sent events' },
  })
  async stream(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Res() res: ApiResponse,
    @Caller() caller: Principal,
  ): Promise<void> {
    new QueryFields(query).finish();
    await this.streams.open(runIdParam(id), res, caller.tokenId ?? `name:${caller.name}`);
  }
}
