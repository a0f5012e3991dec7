import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import type { TaskInstancePage, TaskInstanceView } from '@tributary/api-contract';
import { TASK_STATES } from '@tributary/domain';
import { invalidRequest, notFound } from '../http/api-error.js';
import { pathParam, QueryFields } from '../http/fields.js';
import { MinRole } from '../auth/principal.js';
import { ApiOperation, type QueryDoc } from '../openapi/api-operation.js';
import { runIdParam } from './run-id.js';
import { decodeCursor } from './run-instances.js';
import { RunQueries } from './run-queries.js';

/** Largest page of `GET /runs/:id/tasks` (outputs can be 256 KiB each: ask for fewer with outputs). */
export const MAX_TASK_PAGE = 10_000;

const LIST_QUERY = {
  state: { maxLength: 512, description: `Only these states, comma-separated: ${TASK_STATES.join(', ')}.` },
  group: { maxLength: 2048, description: 'Only this group path (`-`: outside any group).' },
  stage: { maxLength: 2048, description: 'Only this stage path.' },
  limit: { type: 'integer', min: 1, max: MAX_TASK_PAGE, default: 1000, description: 'How many.' },
  cursor: { maxLength: 8192, description: "The previous page's nextCursor." },
  outputs: { type: 'boolean', oneOf: ['true', 'false'], description: "With each instance's output." },
} satisfies QueryDoc;

const notYet = (runId: string) =>
  notFound(`run ${runId} does not exist (yet: a trigger appears here once the planner has processed it)`);

/**
 * The run's task instances, paged and filtered (`GET /runs/:id` only carries counts):
 * `GET /runs/:id/tasks?state=failed,upstream_failed&group=market=LU&stage=market/retrieve&limit=100&cursor=…&outputs=true`
 * and one instance with its output, `GET /runs/:id/tasks/:taskId`.
 */
@Controller('runs')
@MinRole('viewer')
export class RunTasksController {
  constructor(@Inject(RunQueries) private readonly queries: RunQueries) {}

  @Get(':id/tasks')
  @ApiOperation({
    summary: "A page of the run's task instances in task id order.",
    query: LIST_QUERY,
    response: 'TaskInstancePage',
  })
  async list(@Param('id') id: string, @Query() query: Record<string, unknown>): Promise<TaskInstancePage> {
    const q = new QueryFields(query);
    const state = q.string('state', LIST_QUERY.state);
    const group = q.string('group', LIST_QUERY.group);
    const stage = q.string('stage', LIST_QUERY.stage);
    const limit = q.integer('limit', LIST_QUERY.limit) ?? LIST_QUERY.limit.default;
    const cursor = q.string('cursor', LIST_QUERY.cursor);
    const outputs = q.string('outputs', LIST_QUERY.outputs);
    q.finish();
    const states = state?.split(',');
    const unknown = states?.filter((s) => !(TASK_STATES as readonly string[]).includes(s)) ?? [];
    if (unknown.length > 0) {
      throw invalidRequest('the query', [
        {
          path: '?state',
          message: `unknown task state ${JSON.stringify(unknown[0])}; states are ${TASK_STATES.join(', ')} (comma-separated)`,
        },
      ]);
    }
    const runId = runIdParam(id);
    const page = await this.queries.instances(runId, {
      ...(states ? { states } : {}),
      // `-`: instances outside any group (a group path always holds `=`).
      ...(group !== undefined ? { group: group === '-' ? null : group } : {}),
      ...(stage !== undefined ? { stage } : {}),
      ...(cursor !== undefined ? { after: decodeCursor(cursor) } : {}),
      limit,
      outputs: outputs === 'true',
    });
    if (page.tasks.length === 0 && !(await this.queries.runExists(runId))) throw notYet(runId);
    return page;
  }

  @Get(':id/tasks/:taskId')
  @ApiOperation({ summary: 'One task instance with its output.', response: 'TaskInstanceView' })
  async one(
    @Param('id') id: string,
    @Param('taskId') taskId: string,
    @Query() query: Record<string, unknown>,
  ): Promise<TaskInstanceView> {
    new QueryFields(query).finish();
    const runId = runIdParam(id);
    pathParam('taskId', taskId, 2048);
    const found = await this.queries.instance(runId, taskId);
    if (found) return found;
    if (!(await this.queries.runExists(runId))) throw notYet(runId);
    throw notFound(`run ${runId} has no task instance ${taskId} (task ids are URL-encoded in the path)`);
  }
}
