import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import type { GridCell, RunEvent, RunSummary, RunViewBody, TaskLogEntry } from '@tributary/api-contract';
import { notFound } from '../http/api-error.js';
import { ApiOperation, type QueryDoc } from '../openapi/api-operation.js';
import { pathParam, QueryFields } from '../http/fields.js';
import type { ApiResponse } from '../http/http-types.js';
import { Caller, MinRole, type Principal } from '../auth/principal.js';
import { runIdParam } from './run-id.js';
import { RUN_STATES, RunQueries } from './run-queries.js';
import { RunStreams } from './run-streams.js';

/** A time with its offset, as `Date.toISOString()` writes it (seconds and fraction optional). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
/** The pattern lets 2026-13-45T99:00Z through: the calendar says no. */
const realTime = (value: string): string | null =>
  Number.isNaN(Date.parse(value)) ? 'must be a real date and time' : null;

const LIST_QUERY = {
  pipeline: { maxLength: 256, description: 'Only runs of this pipeline.' },
  state: { oneOf: RUN_STATES, description: 'Only runs in this state.' },
  partial: {
    type: 'boolean',
    oneOf: ['true', 'false'],
    description: 'Only successes with a failed group or instance.',
  },
  since: {
    maxLength: 40,
    pattern: ISO_TIME,
    patternHint: 'an ISO 8601 time with its offset, e.g. 2026-12-05T10:00:00Z',
    check: realTime,
    description: 'Only runs created at or after this time (ISO 8601 with offset).',
  },
  until: {
    maxLength: 40,
    pattern: ISO_TIME,
    patternHint: 'an ISO 8601 time with its offset, e.g. 2026-12-05T10:00:00Z',
    check: realTime,
    description: 'Only runs created before this time (ISO 8601 with offset).',
  },
  limit: { type: 'integer', min: 1, max: 1000, default: 100, description: 'How many.' },
} satisfies QueryDoc;

const EVENTS_QUERY = {
  after: {
    type: 'integer',
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    default: 0,
    description: 'Only events after this runSeq.',
  },
  limit: { type: 'integer', min: 1, max: 10_000, default: 1000, description: 'How many.' },
  // One instance's events (its attempts, for the UI's drawer) or one event type (e.g. ConsolidationTriggered).
  taskId: { maxLength: 2048, description: "Only this task instance's events." },
  type: {
    maxLength: 64,
    pattern: /^[A-Za-z]+$/,
    patternHint: 'an event type such as TaskInstanceFailed',
    description: 'Only events of this type, e.g. TaskInstanceFailed.',
  },
} satisfies QueryDoc;

const LOGS_QUERY = {
  attempt: { type: 'integer', min: 1, max: 1_000_000, description: 'Only this attempt.' },
  limit: { type: 'integer', min: 1, max: 100_000, default: 10_000, description: 'How many.' },
} satisfies QueryDoc;

const STREAM_QUERY = {
  progress: {
    type: 'integer',
    min: 100,
    max: 60_000,
    description:
      'Instead of every event, at most one `progress` message per this many ms: its id the last runSeq, its data ' +
      '`{"runSeq","events"}` (how many events it stands for). The final event is still sent as itself. For pages ' +
      'that refetch the aggregates (the web UI), at any run size.',
  },
} satisfies QueryDoc;

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
    query: LIST_QUERY,
    response: 'RunSummary[]',
  })
  async list(@Query() query: Record<string, unknown>): Promise<RunSummary[]> {
    const q = new QueryFields(query);
    const pipeline = q.string('pipeline', LIST_QUERY.pipeline);
    const state = q.string('state', LIST_QUERY.state);
    const partial = q.string('partial', LIST_QUERY.partial);
    const since = q.string('since', LIST_QUERY.since);
    const until = q.string('until', LIST_QUERY.until);
    const limit = q.integer('limit', LIST_QUERY.limit) ?? LIST_QUERY.limit.default;
    q.finish();
    return this.queries.listRuns({
      pipeline,
      state,
      partial: partial === 'true',
      since: since === undefined ? undefined : new Date(since),
      until: until === undefined ? undefined : new Date(until),
      limit,
    });
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
    query: EVENTS_QUERY,
    response: 'RunEvent[]',
  })
  async events(@Param('id') id: string, @Query() query: Record<string, unknown>): Promise<RunEvent[]> {
    const q = new QueryFields(query);
    const after = q.integer('after', EVENTS_QUERY.after) ?? EVENTS_QUERY.after.default;
    const limit = q.integer('limit', EVENTS_QUERY.limit) ?? EVENTS_QUERY.limit.default;
    const taskId = q.string('taskId', EVENTS_QUERY.taskId);
    const type = q.string('type', EVENTS_QUERY.type);
    q.finish();
    const runId = runIdParam(id);
    const events = await this.queries.events(runId, after, limit, { taskId, type });
    if (events.length === 0 && !(await this.queries.runExists(runId))) throw notYet(runId);
    return events;
  }

  @Get(':id/tasks/:taskId/logs')
  @ApiOperation({
    summary: 'The lines a task instance logged, by attempt.',
    query: LOGS_QUERY,
    response: 'TaskLogEntry[]',
  })
  async logs(
    @Param('id') id: string,
    @Param('taskId') taskId: string,
    @Query() query: Record<string, unknown>,
  ): Promise<TaskLogEntry[]> {
    const q = new QueryFields(query);
    const attempt = q.integer('attempt', LOGS_QUERY.attempt);
    const limit = q.integer('limit', LOGS_QUERY.limit) ?? LOGS_QUERY.limit.default;
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

  /**
   * Server-sent events: a snapshot, then every event of the run (or, with `progress`, a message per
   * interval that stands for them) until it completes or is cancelled.
   */
  @Get(':id/stream')
  @ApiOperation({
    summary:
      'Server-sent events: a RunViewBody snapshot, then every event of the run (or progress messages) until it ends.',
    query: STREAM_QUERY,
    response: { mediaTypes: ['text/event-stream'], description: 'Server-sent events' },
  })
  async stream(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Res() res: ApiResponse,
    @Caller() caller: Principal,
  ): Promise<void> {
    const q = new QueryFields(query);
    const progressMs = q.integer('progress', STREAM_QUERY.progress);
    q.finish();
    await this.streams.open(runIdParam(id), res, caller.tokenId ?? `name:${caller.name}`, { progressMs });
  }
}
