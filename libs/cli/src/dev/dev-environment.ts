import { randomBytes } from 'node:crypto';
import { createDb, ensureDatabase, migrateToLatest } from '@tributary/event-store';
import { loadConfig, type TributaryConfig } from '@tributary/runtime';
import { writeDevState } from '../api/dev-state.js';
import { eprintln, println, type CliContext } from '../context.js';
import { EXIT_FAILED } from '../errors.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { planDevInfrastructure, redact } from './infrastructure-plan.js';
import { startLocalNats } from './nats-server.js';
import { findExecutable, urlAnswers, tcpAnswers } from './probe.js';
import {
  SERVICE_NAMES,
  loadServiceStarter,
  nextStopSignal,
  type ModuleImporter,
  type StartedService,
} from './services.js';

export interface DevOptions {
  port?: number;
  executors?: string[];
  concurrency?: number;
  /** Executor: how long running attempts may finish on stop before they are aborted. */
  shutdownGrace?: number;
  /** Configuration flags (connection, prefix, handlers, tokens, retention) over the environment. */
  overrides?: Partial<TributaryConfig>;
  /** Tests: load services another way. */
  importModule?: ModuleImporter;
  /** Tests: resolves when dev should stop (default: SIGINT/SIGTERM). */
  until?: Promise<unknown>;
}

/** How long one service (or piece of infrastructure) may take to stop before dev goes on without it. */
const STOP_TIMEOUT_MS = 10_000;

interface Stoppable {
  name: string;
  stop(): Promise<void>;
}

/**
 * `tributary dev`: all five services in this process over one Postgres and one NATS, with migrations
 * applied and an admin token; what does not answer at the configured URLs is started here (and said so).
 */
export async function runDev(ctx: CliContext, options: DevOptions): Promise<number> {
  const base = loadConfig(ctx.env, {
    apiHost: '127.0.0.1',
    ...options.overrides,
    ...(options.port !== undefined ? { apiPort: options.port } : {}),
  });
  const started: Stoppable[] = [];
  const stopAll = async () => {
    for (const item of started.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS);
      });
      try {
        if ((await Promise.race([item.stop(), timedOut])) === 'timeout') {
          eprintln(ctx, `warning: ${item.name} did not stop within ${STOP_TIMEOUT_MS / 1000}s; going on`);
        }
      } catch (error) {
        eprintln(ctx, `warning: stopping ${item.name} failed: ${(error as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    }
    started.length = 0;
  };
  const say = (line = '') => println(ctx, line);

  const plan = planDevInfrastructure({
    natsUrl: base.natsUrl,
    natsAnswers: await urlAnswers(base.natsUrl, 4222),
    natsServerBinary: findExecutable('nats-server', ctx.env.PATH),
    databaseUrl: base.databaseUrl,
    databaseAnswers: await urlAnswers(base.databaseUrl, 5432),
    apiPort: base.apiPort,
    apiPortTaken: base.apiPort !== 0 && (await tcpAnswers('127.0.0.1', base.apiPort)),
  });
  if (plan.problems.length > 0) {
    for (const problem of plan.problems) eprintln(ctx, `error: ${problem}`);
    return EXIT_FAILED;
  }
  for (const note of plan.notes) say(note);

  try {
    let natsUrl = base.natsUrl;
    let natsNote = 'configured';
    if (plan.nats?.action === 'start') {
      const nats = await startLocalNats(plan.nats.binary);
      started.push({ name: 'nats-server', stop: nats.stop });
      natsUrl = nats.url;
      natsNote = `started here: ${plan.nats.binary} (pid ${nats.pid}), JetStream in ${nats.storeDir}`;
    }
    let databaseUrl = base.databaseUrl;
    let databaseNote = 'configured';
    if (plan.postgres.action === 'embedded') {
      const pg = await startEmbeddedPostgres((message) => eprintln(ctx, `warning: ${message}`));
      started.push({ name: 'embedded Postgres', stop: pg.stop });
      databaseUrl = pg.url;
      databaseNote = 'embedded PGlite, in memory';
    }

    if (await ensureDatabase(databaseUrl)) say(`created database ${new URL(databaseUrl).pathname.slice(1)}`);
    const db = createDb(databaseUrl, { maxConnections: 1, applicationName: 'tributary-dev-migrate' });
    try {
      const { executed } = await migrateToLatest(db);
      say(`migrations: ${executed.length > 0 ? `applied ${executed.join(', ')}` : 'schema up to date'}`);
    } finally {
      await db.destroy();
    }

    const token = chooseToken(base);
    const config: TributaryConfig = {
      ...base,
      natsUrl,
      databaseUrl,
      migrate: false,
      bootstrapAdminToken: token.value,
      apiToken: base.apiToken ?? token.value,
    };

    let apiUrl = `http://127.0.0.1:${config.apiPort}`;
    for (const name of SERVICE_NAMES) {
      const startedAt = Date.now();
      const start = await loadServiceStarter(name, options.importModule);
      const serviceOptions: Record<string, unknown> =
        name === 'api'
          ? { host: '127.0.0.1', port: config.apiPort }
          : name === 'executor'
            ? {
                ...(options.executors ? { executors: options.executors } : {}),
                ...(options.concurrency ? { concurrency: options.concurrency } : {}),
                ...(options.shutdownGrace !== undefined ? { shutdownGraceMs: options.shutdownGrace } : {}),
              }
            : {};
      const service: StartedService = await start(config, serviceOptions);
      started.push({ name, stop: () => service.stop() });
      if (name === 'api' && service.url) apiUrl = service.url.replace(/\/+$/, '');
      say(`${name.padEnd(12)} started (${Date.now() - startedAt} ms)`);
    }

    const statePath = writeDevState(ctx.cwd, {
      apiUrl,
      token: token.store ? token.value : null,
      databaseUrl,
      natsUrl,
      subjectPrefix: config.subjectPrefix,
      pid: process.pid,
      startedAt: new Date().toISOString(),
    });
    say();
    say(
      `Tributary dev is up: planner, fan-in, consolidator, executor and api in this process (pid ${process.pid})`,
    );
    say(`  api       ${apiUrl}/api/v1`);
    // A new token goes in the link's fragment (never sent to a server): the web UI logs in by itself.
    say(
      `  web UI    ${apiUrl}/${token.shown === 'new' ? `#token=${encodeURIComponent(token.value)}` : ' (log in with your token)'}`,
    );
    say(`  NATS      ${natsUrl} (${natsNote}), subject prefix ${config.subjectPrefix}`);
    say(`  Postgres  ${redact(databaseUrl)} (${databaseNote})`);
    say(`  handlers  built-ins${config.handlers.length > 0 ? ` + ${config.handlers.join(', ')}` : ''}`);
    if (token.shown === 'new') {
      say(`  admin token (shown once; stored in ${statePath}):`);
      say(`    ${token.value}`);
    } else say('  token     the one configured in the environment');
    say(`  CLI calls from ${ctx.cwd} find the api and token in ${statePath}`);
    say('Ctrl-C stops everything.');

    const reason = await (options.until ?? nextStopSignal());
    say();
    say(`${typeof reason === 'string' ? reason : 'stop'}: stopping…`);
    await stopAll();
    say('stopped');
    return 0;
  } catch (error) {
    eprintln(ctx, `error: tributary dev could not start: ${(error as Error).message}`);
    await stopAll();
    return EXIT_FAILED;
  }
}

/**
 * The admin token: the configured one (TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN, else TRIBUTARY_API_TOKEN), else a
 * new random one, printed once and stored in `.tributary/dev.json` for later CLI calls. A token found in
 * that file is never registered: the file may have come with a cloned repository, and registering its
 * token as admin would hand the api to whoever wrote it.
 */
function chooseToken(config: TributaryConfig): {
  value: string;
  store: boolean;
  shown: 'configured' | 'new';
} {
  const configured = config.bootstrapAdminToken ?? config.apiToken;
  if (configured) return { value: configured, store: false, shown: 'configured' };
  return { value: `trb_dev_${randomBytes(24).toString('base64url')}`, store: true, shown: 'new' };
}
