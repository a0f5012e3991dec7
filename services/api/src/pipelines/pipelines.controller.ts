import { Controller, Get, HttpCode, Inject, Logger, Param, Post, Query, Req, Res } from '@nestjs/common';
import type {
  AppliedPipeline,
  PipelineSummary,
  PipelineVersionSummary,
  PipelineView,
  TriggerAccepted,
} from '@tributary/api-contract';
import {
  parsePipelineSpec,
  unservedExecutors,
  type PipelineSpec,
  type SpecWarning,
  type UpstreamTriggerSpec,
} from '@tributary/domain';
import {
  getPipeline,
  listPipelines,
  listPipelineVersions,
  savePipelineVersion,
} from '@tributary/event-store';
import {
  INFRASTRUCTURE,
  captureUpstreamSubjects,
  upstreamSubjectProblem,
  type Infrastructure,
} from '@tributary/runtime';
import { Caller, MinRole, type Principal } from '../auth/principal.js';
import { ApiError, notFound } from '../http/api-error.js';
import { assertStorable, assertStorableText, bodyText, jsonBody, mediaTypeOf } from '../http/body.js';
import { pathParam, QueryFields } from '../http/fields.js';
import type { ApiRequest, ApiResponse } from '../http/http-types.js';
import { LiveExecutors } from '../executors/live-executors.js';
import { ApiOperation, type QueryDoc } from '../openapi/api-operation.js';
import { TriggerService } from './trigger.service.js';

/**
 * Largest pipeline spec accepted: real specs are a few KiB, and reading one is linear but not free
 * (a 4 MiB spec of 250 000 keys takes seconds of the api's only thread).
 */
export const MAX_SPEC_BYTES = 1024 * 1024;

const YAML_TYPES = new Set([
  'application/yaml',
  'application/x-yaml',
  'text/yaml',
  'text/x-yaml',
  'text/plain',
]);

const SHOW_QUERY = {
  version: {
    type: 'integer',
    min: 1,
    max: 2 ** 31 - 1,
    description: 'The version to show (default: the latest).',
  },
} satisfies QueryDoc;

/** `POST /pipelines` (apply), `GET /pipelines[/:id]`, `POST /pipelines/:id/runs` (trigger). */
@Controller('pipelines')
export class PipelinesController {
  constructor(
    @Inject(INFRASTRUCTURE) private readonly infra: Infrastructure,
    @Inject(TriggerService) private readonly triggers: TriggerService,
    @Inject(LiveExecutors) private readonly live: LiveExecutors,
  ) {}

  /**
   * Validates a spec (YAML or JSON) and stores it as a new version unless it equals the latest. The reply's
   * `warnings` name each executor no live host serves: stored anyway, as hosts may start later.
   */
  @Post()
  @MinRole('admin')
  @ApiOperation({
    summary: 'Validates a spec and stores it as a new version (201) unless it equals the latest (200).',
    body: {
      mediaTypes: [...YAML_TYPES, 'application/json'],
      description: 'A pipeline spec (pipeline.schema.json)',
    },
    response: 'AppliedPipeline',
    status: [201, 200],
  })
  async apply(@Req() req: ApiRequest, @Res() res: ApiResponse, @Caller() caller: Principal): Promise<void> {
    const type = mediaTypeOf(req);
    let format: 'yaml' | 'json';
    if (type === 'application/json' || type?.endsWith('+json')) format = 'json';
    else if (type !== null && YAML_TYPES.has(type)) format = 'yaml';
    else {
      throw new ApiError(
        415,
        'unsupported_media_type',
        `Content-Type ${type ?? '(none)'} is not accepted for a pipeline spec; send application/yaml or application/json`,
      );
    }
    const size = req.rawBody?.length ?? 0;
    if (size > MAX_SPEC_BYTES) {
      throw new ApiError(
        413,
        'payload_too_large',
        `pipeline spec is ${size} bytes; at most ${MAX_SPEC_BYTES} bytes (1 MiB) are accepted`,
      );
    }
    const source = bodyText(req);
    if (source.trim() === '')
      throw new ApiError(400, 'invalid_request', 'request body is empty; expected a pipeline spec');
    assertStorableText(source, 'pipeline spec', '');
    const parsed = parsePipelineSpec(source, format);
    if (!parsed.ok) {
      throw new ApiError(
        422,
        'invalid_spec',
        `pipeline spec is invalid: ${parsed.issues
          .slice(0, 3)
          .map((i) => `${i.path || '(document)'}: ${i.message}`)
          .join('; ')}${parsed.issues.length > 3 ? ` (and ${parsed.issues.length - 3} more)` : ''}`,
        parsed.issues,
      );
    }
    // YAML escapes ("\0", "\ud800") and anchors can build what the text did not show.
    assertStorable(JSON.parse(JSON.stringify(parsed.spec)) as unknown, 'pipeline spec');
    await this.captureUpstream(parsed.spec.on ?? []);
    const { pipeline, created } = await savePipelineVersion(this.infra.db, {
      spec: parsed.spec,
      source,
      createdBy: caller.name,
    });
    const warnings = await this.executorWarnings(parsed.spec);
    const answer: AppliedPipeline = { id: pipeline.pipelineId, version: pipeline.version, created, warnings };
    res.status(created ? 201 : 200).json(answer);
  }

  /** Executors of `spec` no live host serves; a failed presence query is itself the one warning. */
  private async executorWarnings(spec: PipelineSpec): Promise<SpecWarning[]> {
    try {
      return unservedExecutors(spec, await this.live.served());
    } catch (error) {
      return [
        { path: '', message: `could not ask the live hosts which executors they serve: ${String(error)}` },
      ];
    }
  }

  /**
   * `on:` subjects are captured before the version is stored, so events published once apply returned
   * are kept for the planner's consumers (which start at the version's time). A subject inside
   * Tributary's prefix is refused; a NATS failure is only logged: the planner captures it within a second.
   */
  private async captureUpstream(on: readonly UpstreamTriggerSpec[]): Promise<void> {
    const prefix = this.infra.config.subjectPrefix;
    const issues = on.flatMap((entry, i) => {
      const message = upstreamSubjectProblem(prefix, entry.subject);
      return message === null ? [] : [{ path: `/on/${i}/subject`, message }];
    });
    if (issues.length > 0) {
      throw new ApiError(
        422,
        'invalid_spec',
        `pipeline spec is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        issues,
      );
    }
    if (on.length === 0) return;
    await captureUpstreamSubjects(this.infra.jsm, prefix, on).catch((error: unknown) =>
      new Logger('api').warn(`on: subjects not captured yet, the planner retries: ${String(error)}`),
    );
  }

  @Get()
  @MinRole('viewer')
  @ApiOperation({ summary: 'Every pipeline and its latest version.', response: 'PipelineSummary[]' })
  async list(@Query() query: Record<string, unknown>): Promise<PipelineSummary[]> {
    new QueryFields(query).finish();
    const pipelines = await listPipelines(this.infra.db);
    return pipelines.map((p) => ({
      id: p.pipelineId,
      version: p.version,
      createdAt: p.createdAt.toISOString(),
    }));
  }

  /** Every version of one pipeline, newest first (each one's spec: `GET /pipelines/:id?version=N`). */
  @Get(':id/versions')
  @MinRole('viewer')
  @ApiOperation({
    summary: 'Every version of one pipeline, newest first.',
    response: 'PipelineVersionSummary[]',
  })
  async versions(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
  ): Promise<PipelineVersionSummary[]> {
    new QueryFields(query).finish();
    const versions = await listPipelineVersions(this.infra.db, pathParam('id', id));
    if (versions.length === 0) throw notFound(`pipeline "${id}" does not exist`);
    return versions.map((v) => ({
      version: v.version,
      contentHash: v.contentHash,
      createdAt: v.createdAt.toISOString(),
      createdBy: v.createdBy,
    }));
  }

  @Get(':id')
  @MinRole('viewer')
  @ApiOperation({
    summary: 'One version of a pipeline (the latest by default) with its spec and source text.',
    query: SHOW_QUERY,
    response: 'PipelineView',
  })
  async show(@Param('id') id: string, @Query() query: Record<string, unknown>): Promise<PipelineView> {
    const q = new QueryFields(query);
    const version = q.integer('version', SHOW_QUERY.version);
    q.finish();
    const pipeline = await getPipeline(this.infra.db, pathParam('id', id), version);
    if (!pipeline) {
      throw notFound(`pipeline "${id}"${version !== undefined ? ` version ${version}` : ''} does not exist`);
    }
    return {
      id: pipeline.pipelineId,
      version: pipeline.version,
      spec: pipeline.spec,
      source: pipeline.source,
      createdAt: pipeline.createdAt.toISOString(),
      createdBy: pipeline.createdBy,
    };
  }

  /** Publishes a trigger: 202 `{runId}`; 422 (and still published, so it is recorded) for bad params. */
  @Post(':id/runs')
  @HttpCode(202)
  @MinRole('operator')
  @ApiOperation({
    summary: 'Triggers a run; 422 for params the pipeline refuses (the trigger is recorded all the same).',
    body: 'TriggerRequest',
    response: 'TriggerAccepted',
  })
  async trigger(
    @Param('id') id: string,
    @Req() req: ApiRequest,
    @Res({ passthrough: true }) res: ApiResponse,
    @Caller() caller: Principal,
  ): Promise<TriggerAccepted> {
    const runId = await this.triggers.trigger(pathParam('id', id), jsonBody(req, {}), caller);
    res.setHeader('Location', `/api/v1/runs/${encodeURIComponent(runId)}`);
    return { runId };
  }
}
