import { createTestDatabase, createTestNats, type TestDatabase, type TestNats } from '@tributary/testing';
import { loadConfig, type TributaryConfig } from '@tributary/runtime';
import { startApi, type RunningApi, type StartApiOptions } from '../api.js';

process.env.TRIBUTARY_LOG_LEVEL ??= 'quiet';

/** The bootstrap admin token of every harness (32 characters at least, as the api requires). */
export const ADMIN_TOKEN = 'test-admin-token-0123456789-abcdefghij';

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** One api on port 0 over a fresh database and NATS prefix, with helpers to call it. */
export interface ApiHarness {
  api: RunningApi;
  nats: TestNats;
  database: TestDatabase;
  /** `fetch` of `/api/v1<path>`; an object body is sent as JSON, a string as given. */
  call<T = any>(
    method: string,
    path: string,
    options?: {
      token?: string | null;
      body?: unknown;
      contentType?: string;
      headers?: Record<string, string>;
    },
  ): Promise<Answer<T>>;
  /** A new token with this role (created through `POST /tokens`). */
  tokenFor(role: 'viewer' | 'operator' | 'admin', name?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startApiHarness(
  options: { config?: Partial<TributaryConfig>; edge?: StartApiOptions['edge'] } = {},
): Promise<ApiHarness> {
  const [database, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
  const config = loadConfig(
    {},
    {
      databaseUrl: database.url,
      natsUrl: nats.url,
      subjectPrefix: nats.prefix,
      bootstrapAdminToken: ADMIN_TOKEN,
      migrate: true,
      ...options.config,
    },
  );
  const api = await startApi(config, { host: '127.0.0.1', port: 0, ...(options.edge ? { edge: options.edge } : {}) });
  let made = 0;
  const harness: ApiHarness = {
    api,
    nats,
    database,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const token = options.token === undefined ? ADMIN_TOKEN : options.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        headers['content-type'] = options.contentType ?? 'application/json';
      }
      const response = await fetch(`${api.url}/api/v1${path}`, { method, headers, body: body ?? null });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {
        /* keep the text */
      }
      return { status: response.status, body: parsed as any, headers: response.headers };
    },
    async tokenFor(role, name = `${role}-${++made}`) {
      const answer = await harness.call('POST', '/tokens', { body: { name, role } });
      if (answer.status !== 201)
        throw new Error(`POST /tokens: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body.token as string;
    },
    async close() {
      await api.stop();
      await Promise.all([nats.cleanup(), database.drop()]);
    },
  };
  return harness;
}

export const SPEC_YAML = `id: shipping
params:
  type: object
  required: [markets]
  properties:
    markets: { type: array, items: { type: string }, minItems: 1 }
stages:
  - group: market
    over: params.markets
    stages:
      - id: fetch
        executor: list
        with: { n: 3 }
      - id: process
        executor: echo
        map: upstream.fetch
consolidate:
  executor: noop
`;
