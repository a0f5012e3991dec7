import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import {
  acquireTelemetry,
  connectInfrastructure,
  loadConfig,
  serviceLogger,
  type RunningService,
  type TributaryConfig,
} from '@tributary/runtime';
import { ApiModule } from './api.module.js';
import { TokenStore } from './auth/token-store.js';
import { answerExpectContinue, bodyLimitFor, readBody } from './http/body.js';
import { tracingMiddleware } from './http/tracing.js';
import { HttpMetrics } from './ops/http-metrics.js';
import { paramsLimit } from './pipelines/params-limit.js';

/** Every route lives under this prefix. */
export const API_PREFIX = 'api/v1';

export interface StartApiOptions {
  /** Interface to bind. @default config.apiHost */
  host?: string;
  /** Port to bind; 0 picks a free one (see `url`). @default config.apiPort */
  port?: number;
}

/** A started api: `url` is where it listens (`http://host:port`, without the `/api/v1` prefix). */
export type RunningApi = RunningService & { readonly url: string };

/**
 * Starts the api service: HTTP on NestJS + Express over shared infrastructure (Postgres, NATS,
 * streams), with OpenTelemetry, registering `TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN` as an admin token.
 */
export async function startApi(
  config: TributaryConfig = loadConfig(),
  options: StartApiOptions = {},
): Promise<RunningApi> {
  const telemetry = acquireTelemetry('tributary-api');
  const infra = await connectInfrastructure(config, 'api');
  try {
    if (config.bootstrapAdminToken)
      await new TokenStore(infra.db).registerBootstrap(config.bootstrapAdminToken);
    // TRIBUTARY_MAX_PARAMS_BYTES is checked here (a bad value stops the api, not its first trigger); the
    // body limit grows with it.
    const bodyLimit = bodyLimitFor(paramsLimit(infra.nc.info?.max_payload ?? 1024 * 1024).bytes);
    const httpMetrics = new HttpMetrics();
    const app = await NestFactory.create(ApiModule.register(infra, httpMetrics), new ExpressAdapter(), {
      logger: serviceLogger(),
      abortOnError: false,
      bodyParser: false,
      forceCloseConnections: true,
    });
    app.setGlobalPrefix(API_PREFIX);
    app.use(httpMetrics.middleware(), readBody(bodyLimit), tracingMiddleware);
    answerMalformedRequests(app.getHttpServer() as Server);
    answerExpectContinue(app.getHttpServer() as Server, bodyLimit);
    const host = options.host ?? config.apiHost;
    await app.listen(options.port ?? config.apiPort, host);
    const address = app.getHttpServer().address() as AddressInfo;
    let stopping: Promise<void> | null = null;
    return {
      name: 'api',
      infra,
      app,
      url: `http://${urlHost(host)}:${address.port}`,
      stop() {
        stopping ??= (async () => {
          await app.close();
          await infra.close();
          await telemetry.release();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await infra.close().catch(() => undefined);
    throw error;
  }
}

/** A host clients can reach: wildcard binds are reached on loopback; IPv6 literals get brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Requests Node's HTTP parser refuses before any route sees them (headers or a URL over 16 KiB, a
 * malformed request line) get the api's error shape instead of an empty 400/431 and a closed socket.
 */
function answerMalformedRequests(server: Server): void {
  server.removeAllListeners('clientError');
  server.on('clientError', (error: Error & { code?: string }, socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const body = JSON.stringify({
      error: {
        code: tooLarge ? 'headers_too_large' : 'invalid_request',
        message: tooLarge
          ? 'the request line and headers are larger than 16 KiB (a path or query that long names nothing)'
          : `the request is not valid HTTP: ${error.message}`,
      },
    });
    socket.end(
      `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
