import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { waitFor } from '../support/free-port.js';
import { CLI, TributarySystem } from '../support/tributary-system.js';

/** One slow task: it holds a slot of `host-slow` for a while, so its load shows. */
const SLOW = `
id: executors-slow
stages:
  - id: nap
    executor: sleep
    with: { ms: 6000 }
`;

/** `echo` is served, `ghost` (in a group) and the consolidation's `echo-not-here` are not. */
const PARTLY_SERVED = `
id: executors-partly-served
stages:
  - id: first
    executor: echo
  - group: g
    over: [1, 2]
    stages:
      - id: inner
        executor: echo
      - id: haunt
        executor: ghost
consolidate:
  executor: echo-not-here
`;

const SERVED = `
id: executors-served
stages:
  - id: first
    executor: echo
consolidate:
  executor: echo
`;

function cli(
  system: TributarySystem,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, ...system.env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('live hosts and the executors they serve (issue #9 item 10)', () => {
  let system: TributarySystem;
  let viewer: ApiClient;
  const dir = mkdtempSync(join(tmpdir(), 'tributary-executors-e2e-'));

  beforeAll(async () => {
    system = await TributarySystem.start({
      executorHosts: [
        { name: 'host-slow', executors: ['sleep', 'echo'], concurrency: 3 },
        { name: 'host-doomed', executors: ['noop'], concurrency: 2 },
      ],
    });
    const created = await system.api.post('/tokens', { name: 'watcher', role: 'viewer' });
    expect(created.status).toBe(201);
    viewer = new ApiClient(system.api.baseUrl, created.body.token);
  }, 90_000);

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await system?.stop();
  });

  it('GET /executors (viewer) lists each live host with its executors, kind and load', async () => {
    const response = await viewer.get('/executors');
    expect(response.status).toBe(200);
    const byName = new Map<string, any>(response.body.hosts.map((h: any) => [h.hostname, h]));
    expect(byName.get('host-slow')).toMatchObject({
      kind: 'executor',
      executors: ['echo', 'sleep'],
      concurrency: 3,
      inFlight: 0,
    });
    expect(byName.get('host-doomed')).toMatchObject({
      kind: 'executor',
      executors: ['noop'],
      concurrency: 2,
    });
    const consolidator = response.body.hosts.find((h: any) => h.kind === 'consolidator');
    expect(consolidator.executors).toContain('echo');
    for (const host of response.body.hosts) {
      expect(host.pid).toBeGreaterThan(0);
      expect(Date.parse(host.startedAt)).toBeLessThanOrEqual(Date.parse(host.lastSeen));
      expect(host.id).toContain(host.hostname);
    }
    // Tasks of `echo` run on host-slow; the consolidator (built-ins) could run it as a consolidation.
    expect(response.body.executors.echo).toEqual({ hosts: 1, consolidators: 1, inFlight: 0 });
    expect(response.body.executors.noop).toEqual({ hosts: 1, consolidators: 1, inFlight: 0 });
    expect((await viewer.get('/executors?all=1')).status).toBe(400);
    expect((await system.api.request('GET', '/executors', undefined, { token: null })).status).toBe(401);
  });

  it('a running slow task shows as load in GET /executors and in `tributary executors`', async () => {
    await system.applyPipeline(SLOW);
    const triggered = await system.api.post('/pipelines/executors-slow/runs', {});
    expect(triggered.status).toBe(202);
    const busy = await waitFor(
      'host-slow to report the sleep in flight',
      async () => {
        const body = (await viewer.get('/executors')).body;
        const host = body.hosts.find((h: any) => h.hostname === 'host-slow');
        return host?.inFlight >= 1 ? body : undefined;
      },
      15_000,
      100,
    );
    expect(busy.executors.sleep.inFlight).toBeGreaterThanOrEqual(1);
    expect(busy.executors.echo.inFlight).toBe(0);

    const table = await cli(system, ['executors']);
    expect(table.code).toBe(0);
    const row = table.stdout.split('\n').find((line) => line.startsWith('host-slow'));
    expect(row).toMatch(/^host-slow\s+executor\s+\d+\s+1\/3\s+\S+ \S+\s+echo, sleep$/);
    expect(table.stdout).toMatch(/^sleep\s+1\s+1\s+1$/m);

    const json = await cli(system, ['executors', '--json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.hosts.find((h: any) => h.hostname === 'host-slow').inFlight).toBe(1);

    const run = await system.waitForRun(triggered.body.runId, 30_000);
    expect(run.run.state).toBe('success');
    const idle = (await viewer.get('/executors')).body;
    expect(idle.hosts.find((h: any) => h.hostname === 'host-slow').inFlight).toBe(0);
  });

  it('a killed host disappears from the list', async () => {
    await system.kill('host-doomed');
    const started = Date.now();
    const gone = await waitFor(
      'host-doomed to leave the list',
      async () => {
        const body = (await viewer.get('/executors')).body;
        return body.hosts.some((h: any) => h.hostname === 'host-doomed') ? undefined : body;
      },
      10_000,
      100,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(gone.executors.noop).toEqual({ hosts: 0, consolidators: 1, inFlight: 0 });
    expect(gone.hosts.some((h: any) => h.hostname === 'host-slow')).toBe(true);
    const table = await cli(system, ['executors']);
    expect(table.stdout).not.toContain('host-doomed');
  });

  it('apply warns at the path of each unserved executor and still stores the pipeline', async () => {
    const response = await system.api.post('/pipelines', PARTLY_SERVED, { contentType: 'application/yaml' });
    expect(response.status).toBe(201);
    expect(response.body.warnings.map((w: any) => w.path)).toEqual([
      '/stages/1/stages/1/executor',
      '/consolidate/executor',
    ]);
    expect(response.body.warnings[0].message).toMatch(
      /^no running host serves executor "ghost" \(live hosts serve: echo, sleep\)$/,
    );
    expect(response.body.warnings[1].message).toMatch(
      /^no running consolidator serves consolidation executor "echo-not-here" \(live consolidators serve: .*echo.*\)$/,
    );
    expect((await system.api.get('/pipelines/executors-partly-served')).status).toBe(200);

    const served = await system.api.post('/pipelines', SERVED, { contentType: 'application/yaml' });
    expect(served.status).toBe(201);
    expect(served.body.warnings).toEqual([]);

    // The CLI prints the warnings to stderr and still succeeds.
    const file = join(dir, 'partly.yaml');
    writeFileSync(file, PARTLY_SERVED.replace('id: executors-partly-served', 'id: executors-partly-cli'));
    const applied = await cli(system, ['pipelines', 'apply', file]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`${file}: pipeline executors-partly-cli version 1 created`);
    expect(applied.stderr.trim().split('\n')).toEqual([
      `${file} /stages/1/stages/1/executor: warning: no running host serves executor "ghost" (live hosts serve: echo, sleep)`,
      expect.stringMatching(
        new RegExp(
          `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} /consolidate/executor: warning: no running consolidator`,
        ),
      ),
    ]);
  });
});
