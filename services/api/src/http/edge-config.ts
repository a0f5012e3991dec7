import { readFileSync } from 'node:fs';
import { ConfigError, durationVar, wholeNumberVar, type Env } from '@tributary/runtime';

/** Bounds of the api's HTTP edge (all from the environment; see README "Tokens and the api edge"). */
export interface ApiEdgeConfig {
  /** Open connections at most; more are refused by the server (`TRIBUTARY_API_MAX_CONNECTIONS`). */
  maxConnections: number;
  /** Time to receive the request line and headers (`TRIBUTARY_API_HEADERS_TIMEOUT`). */
  headersTimeoutMs: number;
  /** Time to receive the whole request, headers and body (`TRIBUTARY_API_REQUEST_TIMEOUT`). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (`TRIBUTARY_API_KEEP_ALIVE_TIMEOUT`). */
  keepAliveTimeoutMs: number;
  /** Time to read an authenticated body once it starts (`TRIBUTARY_API_BODY_TIMEOUT`): 408 after it. */
  bodyTimeoutMs: number;
  /** Requests per second per token, sustained (`TRIBUTARY_API_RATE_LIMIT`; 0: no limit). */
  ratePerSecond: number;
  /** Requests a token may send at once above the rate (`TRIBUTARY_API_RATE_BURST`). */
  rateBurst: number;
  /** PEM certificate chain and key: the api serves HTTPS (`TRIBUTARY_API_TLS_CERT`, `TRIBUTARY_API_TLS_KEY`). */
  tls: { cert: Buffer; key: Buffer } | null;
}

export const DEFAULT_EDGE: Omit<ApiEdgeConfig, 'tls'> = {
  maxConnections: 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  bodyTimeoutMs: 30_000,
  ratePerSecond: 50,
  rateBurst: 200,
};

/** The edge bounds from the environment; a ConfigError naming the variable for a bad value. */
export function loadEdgeConfig(env: Env = process.env): ApiEdgeConfig {
  // Timeouts under a second would cut ordinary clients off (Node checks them once a second).
  const time = (name: string, fallback: number) => durationVar(env, name, fallback, { minMs: 1000 });
  return {
    maxConnections: wholeNumberVar(env, 'TRIBUTARY_API_MAX_CONNECTIONS', DEFAULT_EDGE.maxConnections, 1),
    headersTimeoutMs: time('TRIBUTARY_API_HEADERS_TIMEOUT', DEFAULT_EDGE.headersTimeoutMs),
    requestTimeoutMs: time('TRIBUTARY_API_REQUEST_TIMEOUT', DEFAULT_EDGE.requestTimeoutMs),
    keepAliveTimeoutMs: time('TRIBUTARY_API_KEEP_ALIVE_TIMEOUT', DEFAULT_EDGE.keepAliveTimeoutMs),
    bodyTimeoutMs: time('TRIBUTARY_API_BODY_TIMEOUT', DEFAULT_EDGE.bodyTimeoutMs),
    ratePerSecond: wholeNumberVar(env, 'TRIBUTARY_API_RATE_LIMIT', DEFAULT_EDGE.ratePerSecond, 0),
    rateBurst: wholeNumberVar(env, 'TRIBUTARY_API_RATE_BURST', DEFAULT_EDGE.rateBurst, 1),
    tls: tlsFiles(env),
  };
}

function tlsFiles(env: Env): ApiEdgeConfig['tls'] {
  const certFile = env.TRIBUTARY_API_TLS_CERT || undefined;
  const keyFile = env.TRIBUTARY_API_TLS_KEY || undefined;
  if (!certFile && !keyFile) return null;
  if (!certFile || !keyFile) {
    throw new ConfigError(
      `TRIBUTARY_API_TLS_CERT and TRIBUTARY_API_TLS_KEY go together: only ${certFile ? 'the certificate' : 'the key'} is set`,
    );
  }
  const read = (name: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ConfigError(`${name}: cannot read ${file}: ${(error as Error).message}`);
    }
  };
  return { cert: read('TRIBUTARY_API_TLS_CERT', certFile), key: read('TRIBUTARY_API_TLS_KEY', keyFile) };
}
