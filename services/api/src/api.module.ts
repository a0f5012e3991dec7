import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { INFRASTRUCTURE, loadSecretsKeyring, PlanCache, type Infrastructure } from '@tributary/runtime';
import { AuthGuard } from './auth/auth.guard.js';
import { TokenStore } from './auth/token-store.js';
import { SessionController } from './auth/session.controller.js';
import { TRACE_URL, traceUrlTemplate } from './auth/trace-url.js';
import { TokensController } from './auth/tokens.controller.js';
import { TokenVerifier } from './auth/token-verifier.js';
import { ExecutorsController } from './executors/executors.controller.js';
import { LiveExecutors } from './executors/live-executors.js';
import { BODY_LIMITS, BodyInterceptor, type BodyLimits } from './http/body.interceptor.js';
import { BODY_TIMEOUT_MS, MAX_BODY_BYTES } from './http/body.js';
import { ApiExceptionFilter } from './http/error.filter.js';
import { HttpMetrics } from './ops/http-metrics.js';
import { OpenApiController } from './openapi/openapi.controller.js';
import { OpsController } from './ops/ops.controller.js';
import { PipelinesController } from './pipelines/pipelines.controller.js';
import { TriggerService } from './pipelines/trigger.service.js';
import { RunActionsController } from './runs/run-actions.controller.js';
import { RunQueries } from './runs/run-queries.js';
import { RunStreams } from './runs/run-streams.js';
import { RunsController } from './runs/runs.controller.js';
import { RedactSecretsInterceptor } from './http/redact-secrets.interceptor.js';
import { RunTasksController } from './runs/run-tasks.controller.js';
import { SECRETS_KEYRING } from './tokens.js';

@Module({})
export class ApiModule {
  static register(
    infra: Infrastructure,
    httpMetrics: HttpMetrics = new HttpMetrics(),
    auth: { store: TokenStore; verifier: TokenVerifier } = ApiModule.defaultAuth(infra),
    bodyLimits: BodyLimits = { maxBytes: MAX_BODY_BYTES, timeoutMs: BODY_TIMEOUT_MS },
  ): DynamicModule {
    return {
      module: ApiModule,
      controllers: [
        OpsController,
        TokensController,
        SessionController,
        PipelinesController,
        RunsController,
        RunTasksController,
        RunActionsController,
        ExecutorsController,
        OpenApiController,
      ],
      providers: [
        { provide: INFRASTRUCTURE, useValue: infra },
        { provide: HttpMetrics, useValue: httpMetrics },
        // A malformed TRIBUTARY_SECRETS_KEY(_FILE) stops the api at start, not at its first secret trigger.
        { provide: SECRETS_KEYRING, useFactory: () => loadSecretsKeyring() },
        // A malformed TRIBUTARY_TRACE_URL stops the api at start too.
        { provide: TRACE_URL, useFactory: () => traceUrlTemplate() },
        { provide: TokenStore, useValue: auth.store },
        { provide: TokenVerifier, useValue: auth.verifier },
        {
          provide: PlanCache,
          useFactory: (infra: Infrastructure) => new PlanCache(infra.db),
          inject: [INFRASTRUCTURE],
        },
        TriggerService,
        LiveExecutors,
        RunQueries,
        RunStreams,
        { provide: BODY_LIMITS, useValue: bodyLimits },
        { provide: APP_GUARD, useClass: AuthGuard },
        // After the guard: bodies are read only for callers allowed on the route.
        { provide: APP_INTERCEPTOR, useClass: BodyInterceptor },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_INTERCEPTOR, useClass: RedactSecretsInterceptor },
      ],
    };
  }

  private static defaultAuth(infra: Infrastructure): { store: TokenStore; verifier: TokenVerifier } {
    const store = new TokenStore(infra.db);
    return { store, verifier: new TokenVerifier(store) };
  }
}
