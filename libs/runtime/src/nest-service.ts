import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { DynamicModule, INestApplicationContext } from '@nestjs/common';
import type { CustomTransportStrategy, MicroserviceOptions } from '@nestjs/microservices';
import { acquireTelemetry } from './shared-telemetry.js';
import { serviceLogger } from './service-logger.js';
import type { TributaryConfig } from './config.js';
import { connectInfrastructure, type Infrastructure, type InfrastructureOptions } from './infrastructure.js';

/** A started service: stop it to drain consumers, close connections and flush spans. */
export interface RunningService {
  readonly name: string;
  readonly infra: Infrastructure;
  readonly app: INestApplicationContext;
  stop(): Promise<void>;
}

/**
 * THE start path of every service: OpenTelemetry (so every message carries the run's trace), the shared
 * infrastructure (Postgres, NATS, streams), then the Nest app `create` builds and starts over it. A start
 * that fails at any step closes what it had opened before the error reaches the caller.
 */
export async function startService<A extends INestApplicationContext>(
  name: string,
  config: TributaryConfig,
  create: (infra: Infrastructure) => Promise<A>,
  options: InfrastructureOptions = {},
): Promise<RunningService & { readonly app: A }> {
  const telemetry = acquireTelemetry(`tributary-${name}`);
  let infra: Infrastructure | null = null;
  try {
    infra = await connectInfrastructure(config, name, options);
    const app = await create(infra);
    return runningService(name, infra, app, telemetry);
  } catch (error) {
    await infra?.close().catch(() => undefined);
    await telemetry.release().catch(() => undefined);
    throw error;
  }
}

/** A service as a NestJS application context (Nest providers drive their own consumers). */
export function startNestService(
  name: string,
  config: TributaryConfig,
  moduleFor: (infra: Infrastructure) => DynamicModule,
  options: InfrastructureOptions = {},
): Promise<RunningService> {
  return startService(
    name,
    config,
    async (infra) => {
      const app = await NestFactory.createApplicationContext(moduleFor(infra), {
        logger: serviceLogger(),
        abortOnError: false,
      });
      // No Nest shutdown hooks: whoever runs the service owns the signals (runAsProcess, or `tributary dev`,
      // which stops several services of one process in order).
      await app.init();
      return app;
    },
    options,
  );
}

/**
 * A service as a NestJS microservice whose transport is given (the JetStream transport of
 * libs/messaging: `@EventPattern` handlers on durable pull consumers, acked when they return).
 */
export function startNestMicroservice(
  name: string,
  config: TributaryConfig,
  moduleFor: (infra: Infrastructure) => DynamicModule,
  strategyFor: (infra: Infrastructure) => CustomTransportStrategy,
  options: InfrastructureOptions = {},
): Promise<RunningService> {
  return startService(
    name,
    config,
    async (infra) => {
      const app = await NestFactory.createMicroservice<MicroserviceOptions>(moduleFor(infra), {
        strategy: strategyFor(infra),
        logger: serviceLogger(),
        abortOnError: false,
      });
      await app.listen();
      return app;
    },
    options,
  );
}

/** Stops in order: the Nest app (drains consumers), then the connections, then the tracer (flushes spans). */
function runningService<A extends INestApplicationContext>(
  name: string,
  infra: Infrastructure,
  app: A,
  telemetry: { release(): Promise<void> },
): RunningService & { readonly app: A } {
  let stopping: Promise<void> | null = null;
  return {
    name,
    infra,
    app,
    stop() {
      stopping ??= (async () => {
        await app.close();
        await infra.close();
        await telemetry.release();
      })();
      return stopping;
    },
  };
}

/** Runs a service as a process: starts it, stops it on SIGINT/SIGTERM, exits non-zero when start fails. */
export function runAsProcess(start: () => Promise<{ stop(): Promise<void> }>): void {
  start().then(
    (service) => {
      const shutdown = (signal: string) => {
        process.stderr.write(`received ${signal}, draining\n`);
        service.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            process.stderr.write(`shutdown failed: ${String(error)}\n`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    },
    (error: unknown) => {
      process.stderr.write(
        `failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
