import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  createTestDatabase,
  createTestNats,
  createTestPrefix,
  deleteStreamsWithPrefix,
  type TestDatabase,
  type TestNats,
} from '@tributary/testing';
import { createDb, migrateToLatest, type Database } from '@tributary/event-store';
import { ApiClient } from './api-client.js';
import { freePort, waitFor } from './free-port.js';
import { ServiceProcess } from './service-process.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DEMO_HANDLERS = `${ROOT}examples/search-quality/dist/handlers.js`;
export const CLI = `${ROOT}libs/cli/dist/main.js`;

export type ServiceKind = 'planner' | 'fan-in' | 'consolidator' | 'api' | 'executor';

export interface ExecutorHost {
  name: string;
  executors: string[];
  concurrency?: number;
  /** Processes of this host (same executors, own host names `<name>`, `<name>-2`, …). @default 1 */
  replicas?: number;
}

/**
 * The whole system as separate OS processes — planner, fan-in, consolidator, api and executor hosts —
 * on a fresh database and a private NATS prefix (own streams), built from `services/<svc>/dist`.
 */
export class TributarySystem {
  private constructor(
    readonly db: Kysely<Database>,
    readonly api: ApiClient,
    /** One client per api process, by process name (`api`, `api-2`, …). */
    readonly apis: ReadonlyMap<string, ApiClient>,
    readonly env: Record<string, string>,
    private processes_: ServiceProcess[],
    private readonly database: TestDatabase,
    private readonly nats: TestNats,
    private readonly natsAuth?: { user: string; pass: string },
  ) {}

  get processes(): readonly ServiceProcess[] {
    return this.processes_;
  }

  /** Kills a service without warning (SIGKILL: no drain, no outbox flush), as a crash would. */
  async kill(name: string): Promise<void> {
    await this.process(name).stop('SIGKILL');
  }

  /** Starts a stopped or killed service again with the same command line. */
  restart(name: string): ServiceProcess {
    const old = this.process(name);
    if (old.running) throw new Error(`${name} is still running`);
    const fresh = new ServiceProcess(name, old.entry, old.args, old.env);
    this.processes_ = this.processes_.map((p) => (p === old ? fresh : p));
    return fresh;
  }

  get prefix(): string {
    return this.nats.prefix;
  }

  get natsUrl(): string {
    return this.nats.url;
  }

  static async start(options: {
    executorHosts: ExecutorHost[];
    handlers?: string[];
    /** More environment for every service (e.g. OTEL_* to export spans). */
    env?: Record<string, string>;
    /**
     * Processes per service (horizontal scaling); the first of each is named plainly, the others `-2`, `-3`, ….
     * Every api replica listens on a port of its own. @default 1 each
     */
    replicas?: { planner?: number; fanIn?: number; consolidator?: number; api?: number };
    /** Use this (existing, empty or migrated) database instead of a fresh one on the shared server; left in place on stop. */
    databaseUrl?: string;
    /** Use this NATS server (with a fresh stream prefix) instead of the shared one. */
    natsUrl?: string;
    /** With `natsUrl`: this subject prefix instead of a fresh one (e.g. the default one a config names). */
    natsPrefix?: string;
    /** How long every api may take to answer and every durable consumer to appear. @default 30 000 */
    startTimeoutMs?: number;
    /** More environment per kind of service, over `env` (e.g. its own database role or NATS user). */
    serviceEnv?: Partial<Record<ServiceKind, Record<string, string>>>;
    /** User and password of the test's own NATS connections, when the server requires them. */
    natsAuth?: { user: string; pass: string };
  }): Promise<TributarySystem> {
    const startTimeoutMs = options.startTimeoutMs ?? 30_000;
    const database: TestDatabase = options.databaseUrl
      ? {
          url: options.databaseUrl,
          name: new URL(options.databaseUrl).pathname.slice(1),
          drop: async () => {},
        }
      : await createTestDatabase();
    const nats: TestNats = options.natsUrl
      ? givenNats(options.natsUrl, options.natsPrefix)
      : await createTestNats();
    const db = createDb(database.url, { maxConnections: 4 });
    await migrateToLatest(db);
    const apiCount = Math.max(1, options.replicas?.api ?? 1);
    const ports: number[] = [];
    while (ports.length < apiCount) {
      const candidate = await freePort();
      if (!ports.includes(candidate)) ports.push(candidate);
    }
    const port = ports[0]!;
    const token = randomBytes(16).toString('hex');
    const env: Record<string, string> = {
      TRIBUTARY_DATABASE_URL: database.url,
      TRIBUTARY_NATS_URL: nats.url,
      TRIBUTARY_SUBJECT_PREFIX: nats.prefix,
      TRIBUTARY_API_PORT: String(port),
      TRIBUTARY_API_HOST: '127.0.0.1',
      TRIBUTARY_API_URL: `http://127.0.0.1:${port}`,
      TRIBUTARY_API_TOKEN: token,
      TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN: token,
      TRIBUTARY_HANDLERS: (options.handlers ?? [DEMO_HANDLERS]).join(','),
      TRIBUTARY_LOG_LEVEL: process.env.TRIBUTARY_LOG_LEVEL ?? 'quiet',
      ...options.env,
    };
    const entry = (svc: string) => `${ROOT}services/${svc}/dist/main.js`;
    const replicaName = (name: string, i: number) => (i === 0 ? name : `${name}-${i + 1}`);
    const envOf = (kind: ServiceKind) => ({ ...env, ...options.serviceEnv?.[kind] });
    const replicas = (name: string, service: ServiceKind, n = 1) =>
      Array.from(
        { length: n },
        (_, i) => new ServiceProcess(replicaName(name, i), entry(service), [], envOf(service)),
      );
    const apiNames = ports.map((_, i) => replicaName('api', i));
    const processes = [
      ...replicas('planner', 'planner', options.replicas?.planner),
      ...replicas('fan-in', 'fan-in', options.replicas?.fanIn),
      ...replicas('consolidator', 'consolidator', options.replicas?.consolidator),
      ...ports.map(
        (p, i) =>
          new ServiceProcess(apiNames[i]!, entry('api'), [], {
            ...envOf('api'),
            TRIBUTARY_API_PORT: String(p),
            TRIBUTARY_API_URL: `http://127.0.0.1:${p}`,
          }),
      ),
      ...options.executorHosts.flatMap((host) =>
        Array.from({ length: Math.max(1, host.replicas ?? 1) }, (_, i) => {
          const name = replicaName(host.name, i);
          return new ServiceProcess(
            name,
            entry('executor'),
            ['--executors', host.executors.join(','), '--concurrency', String(host.concurrency ?? 64)],
            { ...envOf('executor'), TRIBUTARY_HOST_NAME: name },
          );
        }),
      ),
    ];
    const system = new TributarySystem(
      db,
      new ApiClient(`http://127.0.0.1:${port}`, token),
      new Map(ports.map((p, i) => [apiNames[i]!, new ApiClient(`http://127.0.0.1:${p}`, token)])),
      env,
      processes,
      database,
      nats,
      options.natsAuth,
    );
    try {
      for (const [name, api] of system.apis)
        await waitFor(
          `${name} to answer /healthz`,
          async () => {
            system.assertRunning();
            return (await api.request('GET', '/healthz', undefined, { token: null })).status === 200;
          },
          startTimeoutMs,
        );
      await system.waitForConsumers(
        [
          'planner-triggers',
          'planner-results',
          'fan-in',
          'consolidator',
          ...options.executorHosts.flatMap((h) => h.executors.map((e) => `executor-${e}`)),
        ],
        startTimeoutMs,
      );
    } catch (error) {
      await system.stop();
      throw error;
    }
    return system;
  }

  /** Every service is up once its durable consumers exist. */
  private async waitForConsumers(durables: string[], timeoutMs = 30_000): Promise<void> {
    const { connect } = await import('@nats-io/transport-node');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const nc = await connect({ servers: this.nats.url, ...this.natsAuth });
    try {
      const jsm = await jetstreamManager(nc);
      const streamNames = ['TRIGGERS', 'TASKS', 'RESULTS', 'EVENTS'].map(
        (s) => `${this.prefix.toUpperCase()}_${s}`,
      );
      await waitFor(
        `consumers ${durables.join(', ')}`,
        async () => {
          this.assertRunning();
          const present = new Set<string>();
          for (const stream of streamNames) {
            try {
              for await (const info of jsm.consumers.list(stream)) present.add(info.name);
            } catch {
              return false;
            }
          }
          return durables.every((d) => present.has(d));
        },
        timeoutMs,
      );
    } finally {
      await nc.close();
    }
  }

  assertRunning(): void {
    const dead = this.processes.find((p) => !p.running);
    if (dead) throw new Error(`service ${dead.name} exited:\n${dead.log.slice(-4000)}`);
  }

  process(name: string): ServiceProcess {
    const found = this.processes.find((p) => p.name === name);
    if (!found) throw new Error(`no process ${name}`);
    return found;
  }

  /** Applies a pipeline (YAML) and returns its version. */
  async applyPipeline(yaml: string): Promise<{ id: string; version: number }> {
    const response = await this.api.post('/pipelines', yaml, { contentType: 'application/yaml' });
    if (response.status >= 300)
      throw new Error(`apply failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /**
   * Waits until the run view shows a finished run (success, failed or cancelled) and returns it. Without a
   * `done` predicate it watches the `runs` projection (one small query every 20 ms) and reads the view once
   * at the end: polling the whole view of a big run would steal the CPU of the system under test.
   */
  async waitForRun(runId: string, timeoutMs = 60_000, done?: (view: any) => boolean): Promise<any> {
    if (done === undefined) {
      const finished = ['success', 'failed', 'cancelled'];
      await waitFor(
        `run ${runId} to finish`,
        async () => {
          this.assertRunning();
          const row = await this.db
            .selectFrom('runs')
            .select('state')
            .where('run_id', '=', runId)
            .executeTakeFirst();
          return row && finished.includes(row.state) ? true : undefined;
        },
        timeoutMs,
        20,
      );
      done = (v) => finished.includes(v.run.state);
    }
    const predicate = done;
    return waitFor(
      `run ${runId} to finish`,
      async () => {
        this.assertRunning();
        const view = await this.runView(runId);
        return view && predicate(view) ? view : undefined;
      },
      timeoutMs,
      200,
    );
  }

  /**
   * The run view with every instance and its output, as one object (`{run, groups, stages, tasks}`):
   * `GET /runs/:id` plus every page of `GET /runs/:id/tasks?outputs=true`. Null while the run is unknown.
   */
  async runView(runId: string): Promise<any> {
    const summary = await this.api.get(`/runs/${runId}`);
    if (summary.status !== 200) return null;
    const tasks: unknown[] = [];
    let cursor: string | null = summary.body.run.instances === 0 ? null : '';
    while (cursor !== null) {
      const page = await this.api.get(
        `/runs/${runId}/tasks?outputs=true&limit=10000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      if (page.status !== 200)
        throw new Error(`GET /runs/${runId}/tasks: ${page.status} ${JSON.stringify(page.body)}`);
      tasks.push(...page.body.tasks);
      cursor = page.body.nextCursor;
    }
    return { ...summary.body, tasks };
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes_.map((p) => p.stop()));
    await this.db.destroy().catch(() => undefined);
    await this.nats.cleanup().catch(() => undefined);
    await this.database.drop().catch(() => undefined);
  }

  /** Logs of every process, for a failing test's report. */
  logs(): string {
    return this.processes.map((p) => `--- ${p.name} ---\n${p.log.slice(-3000)}`).join('\n');
  }
}

/** A NATS server given by URL: a fresh prefix on it, whose streams are deleted on cleanup. */
function givenNats(url: string, prefix = createTestPrefix()): TestNats {
  let cleaned = false;
  return {
    url,
    prefix,
    cleanup: async () => {
      if (cleaned) return;
      cleaned = true;
      await deleteStreamsWithPrefix(url, prefix.toUpperCase());
    },
  };
}
