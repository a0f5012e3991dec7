import { readFileSync } from 'node:fs';
import {
  AuthorizationError,
  connect,
  credsAuthenticator,
  type NatsConnection,
  type NodeConnectionOptions,
} from '@nats-io/transport-node';

/** Used when neither the options nor `TRIBUTARY_NATS_URL` name a server. */
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/** TLS settings; `true` only requires a TLS connection with the system CAs. */
export interface NatsTlsOptions {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Start TLS before the NATS handshake (server must be configured for it). */
  handshakeFirst?: boolean;
}

/** How to reach NATS. Unset fields fall back to {@link natsOptionsFromEnv}. */
export interface ConnectNatsOptions {
  /** Server URL(s), e.g. `nats://nats-1:4222,nats://nats-2:4222`. */
  url?: string | readonly string[];
  /** Connection name shown by the server (`nats server report connections`): use the service name. */
  name: string;
  user?: string;
  pass?: string;
  token?: string;
  /** A `.creds` file (JWT + NKey seed); re-read on every reconnect so rotated credentials are picked up. */
  credsFile?: string;
  tls?: NatsTlsOptions | boolean;
  /** Connect timeout. @default 5000 */
  timeoutMs?: number;
  /** -1 retries for ever. @default -1 */
  maxReconnectAttempts?: number;
  /** Reply subjects' prefix (default `_INBOX`): one per service lets NATS permissions keep replies private. */
  inboxPrefix?: string;
}

/** Raised when the connection cannot be made; `retryable` is false for configuration and auth problems. */
export class NatsConnectionError extends Error {
  override readonly name = 'NatsConnectionError';
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Reads `TRIBUTARY_NATS_URL` (comma-separated list allowed), `TRIBUTARY_NATS_CREDS`,
 * `TRIBUTARY_NATS_USER` / `TRIBUTARY_NATS_PASSWORD`, `TRIBUTARY_NATS_TOKEN` and
 * `TRIBUTARY_NATS_TLS_CA` / `_CERT` / `_KEY` (files). Unset variables are left out.
 */
export function natsOptionsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): Omit<
  ConnectNatsOptions,
  'name'
> {
  const options: Omit<ConnectNatsOptions, 'name'> = {};
  const url = env['TRIBUTARY_NATS_URL']?.trim();
  if (url) options.url = url.split(',').map((part) => part.trim()).filter(Boolean);
  if (env['TRIBUTARY_NATS_CREDS']) options.credsFile = env['TRIBUTARY_NATS_CREDS'];
  if (env['TRIBUTARY_NATS_USER']) options.user = env['TRIBUTARY_NATS_USER'];
  if (env['TRIBUTARY_NATS_PASSWORD']) options.pass = env['TRIBUTARY_NATS_PASSWORD'];
  if (env['TRIBUTARY_NATS_TOKEN']) options.token = env['TRIBUTARY_NATS_TOKEN'];
  const tls: NatsTlsOptions = {};
  if (env['TRIBUTARY_NATS_TLS_CA']) tls.caFile = env['TRIBUTARY_NATS_TLS_CA'];
  if (env['TRIBUTARY_NATS_TLS_CERT']) tls.certFile = env['TRIBUTARY_NATS_TLS_CERT'];
  if (env['TRIBUTARY_NATS_TLS_KEY']) tls.keyFile = env['TRIBUTARY_NATS_TLS_KEY'];
  if (Object.keys(tls).length > 0) options.tls = tls;
  return options;
}

/**
 * Builds client options from `options` over the environment. Authentication is
 * taken as a whole from one side: when `options` sets any of user/token/credsFile,
 * the environment's credentials are ignored. Throws {@link NatsConnectionError}
 * when several authentication methods are combined.
 */
export function resolveNatsConnectionOptions(
  options: ConnectNatsOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): NodeConnectionOptions {
  const fromEnv = natsOptionsFromEnv(env);
  const explicitAuth = options.user !== undefined || options.token !== undefined || options.credsFile !== undefined;
  const auth = explicitAuth ? options : fromEnv;
  const methods = [auth.user !== undefined && 'user/password', auth.token !== undefined && 'token', auth.credsFile !== undefined && 'credsFile']
    .filter((method): method is string => method !== false);
  if (methods.length > 1) {
    throw new NatsConnectionError(`NATS auth: use one of user/password, token or credsFile, got ${methods.join(' + ')}`, false);
  }

  const url = options.url ?? fromEnv.url ?? DEFAULT_NATS_URL;
  const tls = options.tls ?? fromEnv.tls;
  const resolved: NodeConnectionOptions = {
    servers: typeof url === 'string' ? url.split(',').map((part) => part.trim()) : [...url],
    name: options.name,
    timeout: options.timeoutMs ?? 5000,
    maxReconnectAttempts: options.maxReconnectAttempts ?? -1,
  };
  if (options.inboxPrefix !== undefined) resolved.inboxPrefix = options.inboxPrefix;
  if (auth.user !== undefined) {
    resolved.user = auth.user;
    if (auth.pass !== undefined) resolved.pass = auth.pass;
  }
  if (auth.token !== undefined) resolved.token = auth.token;
  if (auth.credsFile !== undefined) resolved.authenticator = credsFileAuthenticator(auth.credsFile);
  if (tls === true) resolved.tls = {};
  else if (tls) resolved.tls = { ...tls };
  return resolved;
}

/**
 * Connects to NATS with {@link resolveNatsConnectionOptions}. Unreachable servers
 * give a retryable {@link NatsConnectionError}; bad credentials or configuration
 * a non-retryable one.
 */
export async function connectNats(options: ConnectNatsOptions): Promise<NatsConnection> {
  const resolved = resolveNatsConnectionOptions(options);
  try {
    return await connect(resolved);
  } catch (error) {
    const servers = String(resolved.servers);
    if (error instanceof AuthorizationError) {
      throw new NatsConnectionError(`NATS at ${servers} refused the credentials of "${options.name}"`, false, { cause: error });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new NatsConnectionError(`cannot connect to NATS at ${servers}: ${reason}`, true, { cause: error });
  }
}

function credsFileAuthenticator(path: string) {
  let last: Uint8Array;
  try {
    last = readFileSync(path);
  } catch (error) {
    throw new NatsConnectionError(`cannot read NATS credentials file ${path}`, false, { cause: error });
  }
  // Re-read at each (re)connect so a rotated .creds file is used without a restart;
  // keep the last good copy if the file is briefly missing during rotation.
  return credsAuthenticator(() => {
    try {
      last = readFileSync(path);
    } catch {
      // keep `last`
    }
    return last;
  });
}
