import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Logger } from '@nestjs/common';
import {
  ConfigError,
  loadConfig,
  serviceLogger,
  startService,
  type RunningService,
  type TributaryConfig,
} from '@tributary/runtime';
import { ApiModule } from './api.module.js';
import { assertAdminCredential } from './auth/admin-credential.js';
import { authenticate } from './auth/authenticate.js';
import { bootstrapTokenProblem, registerBootstrapToken } from './auth/bootstrap-token.js';
import { TokenStore } from './auth/token-store.js';
import { TokenVerifier } from './auth/token-verifier.js';
import { answerExpectContinue, bodyLimitFor } from './http/body.js';
import { loadEdgeConfig, type ApiEdgeConfig } from './http/edge-config.js';
import { RateLimiter } from './http/rate-limit.js';
import { limitServer } from './http/server-limits.js';
import { tracingMiddleware } from './http/tracing.js';
import { serveWebUi, webUiDirectory } from './http/web-ui.js';
import { HttpMetrics } from './ops/http-metrics.js';
import { paramsLimit } from './pipelines/params-limit.js';

/** Every route lives under this prefix. */
export const API_PREFIX = 'api/v1';

export interface StartApiOptions {
  /** Interface to bind. @default config.apiHost */
  host?: string;
  /** Port to bind; 0 picks a free one (see `url`). @default config.apiPort */
  port?: number;
  /** Connection, timeout, rate and TLS bounds. @default loadEdgeConfig(process.env) */
  edge?: Partial<ApiEdgeConfig>;
}

/** A started api: `url` is where it listens (`http(s)://host:port`, without the `/api/v1` prefix). */
export type RunningApi = RunningService & { readonly url: string };

/**
 * Starts the api service: HTTP(S) on NestJS + Express over shared infrastructure (Postgres, NATS,
 * streams), with OpenTelemetry, making `TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN` the bootstrap admin token.
 * Refuses to start without an admin credential unless auth is explicitly off (`insecureNoAuth`).
 */
export async function startApi(
  config: TributaryConfig = loadConfig(),
  options: StartApiOptions = {},
): Promise<RunningApi> {
  const edge: ApiEdgeConfig = { ...loadEdgeConfig(), ...options.edge };
  const host = options.host ?? config.apiHost;
  const bootstrapProblem = config.bootstrapAdminToken && bootstrapTokenProblem(config.bootstrapAdminToken);
  if (bootstrapProblem) throw new ConfigError(`TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN ${bootstrapProblem}`);
  const service = await startService('api', config, async (infra) => {
    const logger = new Logger('api');
    const store = new TokenStore(infra.db);
    const verifier = new TokenVerifier(store);
    if (config.bootstrapAdminToken) {
      const outcome = await registerBootstrapToken(store, verifier, config.bootstrapAdminToken);
      if (outcome === 'replaced')
        logger.log('TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN changed: the previous bootstrap token is revoked');
    }
    await assertAdminCredential(store, { insecureNoAuth: config.insecureNoAuth, host });
    if (config.insecureNoAuth) {
      logger.warn(
        `AUTHENTICATION IS OFF (--insecure-no-auth): every caller of ${host} is admin. Never use this beyond a throwaway local setup.`,
      );
    }
    // TRIBUTARY_MAX_PARAMS_BYTES is checked here (a bad value stops the api, not its first trigger); the
    // body limit grows with it.
    const bodyLimit = bodyLimitFor(paramsLimit(infra.nc.info?.max_payload ?? 1024 * 1024).bytes);
    const httpMetrics = new HttpMetrics();
    const app = await NestFactory.create(
      ApiModule.register(
        infra,
        httpMetrics,
        { store, verifier },
        { maxBytes: bodyLimit, timeoutMs: edge.bodyTimeoutMs },
      ),
      new ExpressAdapter(),
      {
        logger: serviceLogger(),
        abortOnError: false,
        bodyParser: false,
        forceCloseConnections: true,
        ...(edge.tls ? { httpsOptions: { cert: edge.tls.cert, key: edge.tls.key } } : {}),
      },
    );
    app.setGlobalPrefix(API_PREFIX);
    // Authentication comes first, the body is read only after the route's role check (BodyInterceptor):
    // an anonymous client, or one below the route's role, cannot make the api hold its upload.
    // The web UI's static files come first: they are public and need no token (its calls do).
    app.use(serveWebUi(webUiDirectory()));
    app.use(
      httpMetrics.middleware(),
      authenticate(verifier, new RateLimiter(edge.ratePerSecond, edge.rateBurst), config.insecureNoAuth),
      tracingMiddleware,
    );
    const server = app.getHttpServer() as Server;
    limitServer(server, edge);
    answerMalformedRequests(server);
    answerExpectContinue(server, bodyLimit);
    await app.listen(options.port ?? config.apiPort, host);
    return app;
  });
  const address = service.app.getHttpServer().address() as AddressInfo;
  return { ...service, url: `${edge.tls ? 'https' : 'http'}://${urlHost(host)}:${address.port}` };
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
    const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const status = tooLarge ? 431 : timedOut ? 408 : 400;
    const body = JSON.stringify({
      error: {
        code: tooLarge ? 'headers_too_large' : timedOut ? 'request_timeout' : 'invalid_request',
        message: tooLarge
          ? 'the request line and headers are larger than 16 KiB (a path or query that long names nothing)'
          : timedOut
            ? 'the request was not received in time (TRIBUTARY_API_HEADERS_TIMEOUT, TRIBUTARY_API_REQUEST_TIMEOUT)'
            : `the request is not valid HTTP: ${error.message}`,
      },
    });
    const reason = tooLarge
      ? 'Request Header Fields Too Large'
      : timedOut
        ? 'Request Timeout'
        : 'Bad Request';
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
