import { INFRASTRUCTURE } from '@tributary/runtime';
import { Controller, Get, Header, Inject, Logger, Query, Res } from '@nestjs/common';
import type { HealthBody } from '@tributary/api-contract';
import { TASK_STATES } from '@tributary/domain';
import {
  countRunsByState,
  countTaskInstancesByState,
  pingDatabase,
  type StateCount,
} from '@tributary/event-store';
import type { Infrastructure } from '@tributary/runtime';
import { MinRole } from '../auth/principal.js';
import { ApiOperation } from '../openapi/api-operation.js';
import { QueryFields } from '../http/fields.js';
import type { ApiResponse } from '../http/http-types.js';
import { RUN_STATES } from '../runs/run-queries.js';
import { HttpMetrics } from './http-metrics.js';
import { renderPrometheus } from './prometheus.js';

const HEALTH_TIMEOUT_MS = 2000;

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** `GET /healthz` (no token) and `GET /metrics` (Prometheus text). */
@Controller()
export class OpsController {
  private readonly logger = new Logger('api');

  constructor(
    @Inject(INFRASTRUCTURE) private readonly infra: Infrastructure,
    @Inject(HttpMetrics) private readonly http: HttpMetrics,
  ) {}

  /**
   * Public: says which dependency is down and nothing more (an anonymous caller learns no host names,
   * addresses or driver messages); the reason goes to the log.
   */
  @Get('healthz')
  @MinRole('public')
  @ApiOperation({
    summary: 'Whether Postgres and NATS answer (503 when one does not).',
    response: 'HealthBody',
    status: [200, 503],
  })
  async health(@Res() res: ApiResponse): Promise<void> {
    const check = async (name: string, work: () => Promise<unknown>): Promise<'ok' | 'unavailable'> => {
      try {
        await within(HEALTH_TIMEOUT_MS, work());
        return 'ok';
      } catch (error) {
        this.logger.warn(`healthz: ${name} is unavailable: ${(error as Error).message}`);
        return 'unavailable';
      }
    };
    const [postgres, nats] = await Promise.all([
      check('postgres', () => pingDatabase(this.infra.db)),
      check('nats', async () => {
        if (this.infra.nc.isClosed()) throw new Error('connection closed');
        await this.infra.nc.flush();
      }),
    ]);
    const ok = postgres === 'ok' && nats === 'ok';
    const body: HealthBody = { status: ok ? 'ok' : 'unavailable', postgres, nats };
    res.status(ok ? 200 : 503).json(body);
  }

  @Get('metrics')
  @MinRole('viewer')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({
    summary: 'Runs and task instances by state, HTTP requests by route and status.',
    response: { mediaTypes: ['text/plain'], description: 'Prometheus text exposition format 0.0.4' },
  })
  async metrics(@Query() query: Record<string, unknown>): Promise<string> {
    new QueryFields(query).finish();
    const db = this.infra.db;
    const [runs, tasks] = await Promise.all([countRunsByState(db), countTaskInstancesByState(db)]);
    const byState = (known: readonly string[], rows: StateCount[]) => {
      const counts = new Map<string, number>(known.map((s) => [s, 0]));
      for (const row of rows) counts.set(row.state, row.count);
      return [...counts].map(([state, value]) => ({ labels: { state }, value }));
    };
    return renderPrometheus([
      {
        name: 'tributary_runs',
        help: 'Runs by state (runs projection).',
        type: 'gauge',
        samples: byState(RUN_STATES, runs),
      },
      {
        name: 'tributary_task_instances',
        help: 'Task instances by state (task_instances projection).',
        type: 'gauge',
        samples: byState(TASK_STATES, tasks),
      },
      {
        name: 'tributary_http_requests_total',
        help: 'HTTP requests answered by this api process, by route pattern and status.',
        type: 'counter',
        samples: this.http
          .entries()
          .map((e) => ({ labels: { route: e.route, status: e.status }, value: e.count })),
      },
    ]);
  }
}
