#!/usr/bin/env node
// `npm run demo`: the search-quality pipeline (DESIGN §0) end to end, through the real services.
//
//   1. builds (`npm run build`: tsc -b, incremental, then the web UI with vite; --skip-build to skip);
//   2. starts `tributary dev` (all five services in one process) on a free port, with a fresh NATS
//      subject prefix and a fresh database (embedded PGlite / local nats-server when none answers);
//   3. applies examples/search-quality/pipeline.yaml and triggers markets LU, PT, GR with the CLI,
//      which draws live per-group progress (`runs trigger --wait`);
//   4. prints the consolidated cross-market report from the `consolidate` task's output;
//   5. checks the api serves the web UI and the run's grid, and prints the run's address in the UI;
//      in a terminal (or with --serve) dev stays up until Ctrl-C so the address can be opened;
//   6. stops dev (SIGINT), drops the demo database and the prefix's streams. Exit 0 on success.
//
// Options: --skip-build, --keep (keep the demo database and streams), --markets LU,PT,GR, --serve / --no-serve
// (keep dev and the web UI up after the run until Ctrl-C; the default in a terminal).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'libs/cli/dist/main.js');
const HANDLERS = join(ROOT, 'examples/search-quality/dist/handlers.js');
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const markets = option('--markets', 'LU,PT,GR')
  .split(',')
  .map((m) => m.trim())
  .filter(Boolean);

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const bold = (s) => (color ? `\x1b[1m${s}\x1b[22m` : s);
const dim = (s) => (color ? `\x1b[2m${s}\x1b[22m` : s);
const red = (s) => (color ? `\x1b[31m${s}\x1b[39m` : s);
const green = (s) => (color ? `\x1b[32m${s}\x1b[39m` : s);
const say = (line = '') => process.stdout.write(`${line}\n`);
const step = (text) => say(`\n${bold(`▸ ${text}`)}`);
const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;

class DemoError extends Error {}

/** The run's page in the web UI, with the demo's token in the fragment (the app logs in by itself). */
let uiAddress = null;
/** Keep tributary dev up after the demo until Ctrl-C: in a terminal, or with --serve. */
const serve = flag('--serve') || (process.stdout.isTTY && process.stdin.isTTY && !flag('--no-serve'));

const cleanups = [];
let dev = null;
const timings = {};
const t0 = Date.now();

async function main() {
  say(
    bold(
      'Tributary demo: per-market search evaluation, one trigger, three parallel lineages, one consolidated report',
    ),
  );

  // 1. Build.
  if (!flag('--skip-build')) {
    step('Building (tsc -b: incremental, seconds when nothing changed; then the web UI with vite)');
    const started = Date.now();
    const build = await run('npm', ['run', 'build'], { capture: true });
    if (build.code !== 0) throw new DemoError(`the build failed:\n${build.output.slice(-6000)}`);
    timings.build = Date.now() - started;
    say(`  built in ${seconds(timings.build)}`);
  }

  // 2. Infrastructure: a fresh database and subject prefix, so the demo never collides with anything.
  step('Starting tributary dev (planner, executor, fan-in, consolidator and api in one process)');
  const suffix = randomBytes(4).toString('hex');
  const prefix = `demo_${suffix}`;
  const token = `demo_${randomBytes(24).toString('base64url')}`;
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const databaseUrl = await demoDatabase(suffix);
  const natsUrl = process.env.TRIBUTARY_NATS_URL ?? DEFAULT_NATS_URL;
  if (!flag('--keep') && (await urlAnswers(natsUrl, 4222)))
    cleanups.push(() => deleteStreams(natsUrl, `${prefix.toUpperCase()}_`));

  const devCwd = mkdtempSync(join(tmpdir(), 'tributary-demo-'));
  cleanups.push(() => rmSync(devCwd, { recursive: true, force: true }));
  const devEnv = {
    ...process.env,
    TRIBUTARY_HANDLERS: HANDLERS,
    TRIBUTARY_SUBJECT_PREFIX: prefix,
    TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN: token,
    TRIBUTARY_API_TOKEN: token,
    TRIBUTARY_API_URL: apiUrl,
    TRIBUTARY_LOG_LEVEL: process.env.TRIBUTARY_LOG_LEVEL ?? 'quiet',
    ...(databaseUrl ? { TRIBUTARY_DATABASE_URL: databaseUrl } : {}),
  };
  const started = Date.now();
  dev = startDev(['dev', '--port', String(port)], devEnv, devCwd);
  await waitForHealth(apiUrl, dev, 45_000);
  await dev.bannerShown;
  timings.start = Date.now() - started;
  say(dim(`  up in ${seconds(timings.start)}`));

  const cliEnv = { ...process.env, TRIBUTARY_API_URL: apiUrl, TRIBUTARY_API_TOKEN: token };
  if (databaseUrl) cliEnv.TRIBUTARY_DATABASE_URL = databaseUrl;
  else delete cliEnv.TRIBUTARY_DATABASE_URL; // the embedded one: the CLI finds it in dev's .tributary/dev.json

  // 3. Apply and trigger through the CLI, as a user would.
  step('tributary pipelines apply examples/search-quality/pipeline.yaml');
  const applied = await run(
    process.execPath,
    [CLI, 'pipelines', 'apply', 'examples/search-quality/pipeline.yaml'],
    { env: cliEnv },
  );
  if (applied.code !== 0) throw new DemoError(`pipelines apply exited with ${applied.code}`);

  const params = JSON.stringify({ markets });
  step(`tributary runs trigger search-quality --params '${params}' --wait`);
  const runStarted = Date.now();
  const triggered = await run(
    process.execPath,
    [CLI, 'runs', 'trigger', 'search-quality', '--params', params, '--wait', '--timeout', '120'],
    {
      env: cliEnv,
    },
  );
  timings.run = Date.now() - runStarted;
  const runId = /run ([0-9a-f-]{36}) triggered/.exec(triggered.output)?.[1];
  if (!runId) throw new DemoError(`runs trigger printed no run id (exit ${triggered.code})`);

  // 4. The consolidated report: the consolidate instance with its output (the run view carries counts only).
  const view = await getJson(`${apiUrl}/api/v1/runs/${runId}`, token);
  const consolidate = await getJson(`${apiUrl}/api/v1/runs/${runId}/tasks/consolidate`, token).catch(() => null);
  if (consolidate?.state === 'success' && consolidate.output) {
    step(
      'Consolidated report (the consolidate task’s output, formatted by @tributary/example-search-quality)',
    );
    const { formatConsolidatedReport } = await import(pathToFileURL(HANDLERS).href);
    say(formatConsolidatedReport(consolidate.output).replace(/^(?=.)/gm, '  '));
  }
  if (triggered.code !== 0 || view.run.state !== 'success') {
    throw new DemoError(
      `run ${runId} ended ${view.run.state} (runs trigger exited with ${triggered.code}); see \`tributary runs show ${runId}\``,
    );
  }

  // Audit, straight from the event log.
  step(`tributary audit verify ${runId}  &&  tributary audit replay ${runId}`);
  const verify = await run(process.execPath, [CLI, 'audit', 'verify', runId], { env: cliEnv, cwd: devCwd });
  const replay = await run(process.execPath, [CLI, 'audit', 'replay', runId], { env: cliEnv, cwd: devCwd });
  if (verify.code !== 0 || replay.code !== 0) throw new DemoError('the audit of the run failed (see above)');

  // 5. The web UI: the api serves it; the run's grid must answer before the address is printed.
  const page = await fetch(`${apiUrl}/runs/${runId}`);
  const html = await page.text();
  if (!page.ok || !html.includes('<div id="root">'))
    throw new DemoError(`the api does not serve the web UI at ${apiUrl}/ (HTTP ${page.status}); was libs/web-ui built?`);
  const grid = await getJson(`${apiUrl}/api/v1/runs/${runId}/grid`, token);
  if (!Array.isArray(grid) || grid.length === 0) throw new DemoError(`the run's grid is empty: ${JSON.stringify(grid)}`);
  uiAddress = `${apiUrl}/runs/${runId}#token=${encodeURIComponent(token)}`;

  say();
  say(
    dim(
      `  Follow a run across the five services in OpenTelemetry: OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 npm run demo`,
    ),
  );
  say(
    dim(
      `  (any OTLP/HTTP collector, e.g. Jaeger; every message of run ${runId.slice(0, 8)}… carries the trigger's trace).`,
    ),
  );
  return runId;
}

// ---------------------------------------------------------------------------------------------------

/** A fresh database on the configured (or local) Postgres; null when none answers (dev then embeds PGlite). */
async function demoDatabase(suffix) {
  const serverUrl = process.env.TRIBUTARY_DATABASE_URL ?? DEFAULT_DATABASE_URL;
  if (!(await urlAnswers(serverUrl, 5432))) {
    say(dim(`  no Postgres answers at ${serverUrl}: tributary dev will start an embedded one`));
    return null;
  }
  const { default: pg } = await import('pg');
  const name = `tributary_demo_${suffix}`;
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 3000 });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } catch (error) {
    say(dim(`  cannot create a demo database on ${serverUrl} (${error.message}): using it as it is`));
    return serverUrl;
  } finally {
    await admin.end().catch(() => undefined);
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  if (!flag('--keep')) {
    cleanups.push(async () => {
      const c = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 3000 });
      c.on('error', () => undefined);
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
      await c.end();
    });
  } else say(dim(`  keeping database ${name}`));
  return url.toString();
}

/** Runs `tributary dev` as a child; echoes its banner (indented), keeps all output for failure reports. */
function startDev(cliArgs, env, cwd) {
  const child = spawn(process.execPath, [CLI, ...cliArgs], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const state = { child, output: '', echo: true, databaseUrl: null, exited: null };
  let showBanner;
  state.bannerShown = new Promise((resolve) => (showBanner = resolve));
  let partial = '';
  const onData = (chunk) => {
    const text = chunk.toString();
    state.output = (state.output + text).slice(-50_000);
    partial += text;
    const lines = partial.split('\n');
    partial = lines.pop();
    for (const line of lines) {
      const db = /^\s+Postgres\s+(\S+)/.exec(line);
      if (db) state.databaseUrl = db[1];
      if (state.echo && line.trim() !== '' && !line.startsWith('npm warn')) say(dim(`  dev │ ${line}`));
      if (line.startsWith('Ctrl-C stops everything')) {
        state.echo = false;
        showBanner();
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  state.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  state.exited.then(() => showBanner());
  return state;
}

async function stopDev() {
  if (!dev || dev.child.exitCode !== null || dev.child.signalCode !== null) return;
  dev.child.kill('SIGINT');
  const killer = setTimeout(() => dev.child.kill('SIGKILL'), 15_000);
  const code = await dev.exited;
  clearTimeout(killer);
  return code;
}

async function waitForHealth(apiUrl, devProcess, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (devProcess.child.exitCode !== null) {
      throw new DemoError(
        `tributary dev exited with ${devProcess.child.exitCode} before the api answered:\n${devProcess.output.slice(-4000)}`,
      );
    }
    try {
      const response = await fetch(`${apiUrl}/api/v1/healthz`);
      if (response.ok) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline)
      throw new DemoError(
        `the api did not answer ${apiUrl}/api/v1/healthz within ${timeoutMs / 1000}s:\n${devProcess.output.slice(-4000)}`,
      );
    await sleep(150);
  }
}

async function getJson(url, token) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new DemoError(`GET ${url}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/**
 * Runs a command. Its stdout is shown indented and kept; its stderr goes straight to ours (where the CLI
 * draws live progress bars in a terminal). `capture`: keep both, show nothing.
 */
function run(command, commandArgs, { env = process.env, cwd = ROOT, capture = false } = {}) {
  const tee = !capture;
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, {
      env,
      cwd,
      stdio: ['ignore', 'pipe', capture ? 'pipe' : 'inherit'],
    });
    let output = '';
    const keep = (chunk) => {
      output += chunk.toString();
      if (tee) process.stdout.write(chunk.toString().replace(/^(?=.)/gm, '  '));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('error', (error) => resolve({ code: 127, output: `${output}\n${error.message}` }));
    child.once('exit', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function urlAnswers(url, defaultPort) {
  let host;
  let port;
  try {
    const parsed = new URL(url);
    host = parsed.hostname === 'localhost' ? '127.0.0.1' : parsed.hostname;
    port = Number(parsed.port || defaultPort);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function deleteStreams(natsUrl, namePrefix) {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: natsUrl, timeout: 3000, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc);
    const doomed = [];
    for await (const name of jsm.streams.names()) if (name.startsWith(namePrefix)) doomed.push(name);
    for (const name of doomed) await jsm.streams.delete(name);
  } finally {
    await nc.close();
  }
}

async function cleanup() {
  const devCode = await stopDev();
  for (const task of cleanups.reverse()) {
    try {
      await task();
    } catch (error) {
      say(dim(`  cleanup: ${error.message}`));
    }
  }
  return devCode;
}

let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  say(red('\ninterrupted: stopping tributary dev…'));
});

main().then(
  async (runId) => {
    if (serve && !interrupted) {
      step('The web UI: the run’s grid, live, with every operator action');
      say(`  ${bold(uiAddress)}`);
      say(dim('  tributary dev keeps running so you can open it; Ctrl-C stops it and cleans up.'));
      await new Promise((resolve) => {
        process.once('SIGINT', resolve);
        dev.exited.then(resolve);
      });
      // Ctrl-C reached dev too (same process group): let it stop by itself, as a second SIGINT would
      // make it exit at once (130). A SIGINT sent to the demo alone gets dev a SIGINT below.
      await Promise.race([dev.exited, sleep(5000)]);
    }
    step('Stopping tributary dev (SIGINT)');
    const devCode = await cleanup();
    if (devCode !== 0 && devCode !== undefined) {
      say(red(`✗ tributary dev exited with ${devCode} on SIGINT:\n${dev.output.slice(-3000)}`));
      process.exit(1);
    }
    const parts = Object.entries(timings)
      .map(([k, v]) => `${k} ${seconds(v)}`)
      .join(', ');
    say(green(`✓ demo passed in ${seconds(Date.now() - t0)} (${parts}); run ${runId}`));
    if (!serve)
      say(
        `  web UI (served during the demo; \`npm run demo -- --serve\` keeps it up): ${uiAddress.replace(/#token=.*/, '')}`,
      );
    process.exit(interrupted && !serve ? 130 : 0);
  },
  async (error) => {
    say();
    say(
      red(`✗ demo failed: ${error instanceof DemoError ? error.message : (error?.stack ?? String(error))}`),
    );
    if (dev && !(error instanceof DemoError)) say(dim(dev.output.slice(-3000)));
    await cleanup();
    process.exit(1);
  },
);
