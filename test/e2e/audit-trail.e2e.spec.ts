import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, TributarySystem } from '../support/tributary-system.js';

const execFileAsync = promisify(execFile);

const PIPELINE = `
id: audit-e2e
params:
  type: object
  properties:
    markets: { type: array }
    note: { type: string }
stages:
  - group: market
    over: params.markets
    stages:
      - id: fetch
        executor: echo
        with: { value: { note: "\${{ params.note }}", ratio: 0.125 } }
`;

/** Runs the built CLI; resolves with its exit code and output instead of throwing on exit 1. */
async function cli(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('audit trail through the real services: export over HTTP, offline verify, signed checkpoint', () => {
  let system: TributarySystem;
  let dir: string;
  let runId: string;
  let viewerToken: string;
  // A viewer token is enough to export: reading the event log is a viewer's right.
  const apiEnv = () => ({
    TRIBUTARY_API_URL: system.env.TRIBUTARY_API_URL!,
    TRIBUTARY_API_TOKEN: viewerToken,
  });
  const dbEnv = () => ({ TRIBUTARY_DATABASE_URL: system.env.TRIBUTARY_DATABASE_URL! });

  beforeAll(async () => {
    system = await TributarySystem.start({
      executorHosts: [{ name: 'host', executors: ['echo'] }],
      handlers: [],
    });
    await system.applyPipeline(PIPELINE);
    dir = mkdtempSync(join(tmpdir(), 'tributary-audit-e2e-'));
    const created = await system.api.post('/tokens', { name: 'auditor', role: 'viewer' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    viewerToken = created.body.token;
    const trigger = await system.api.post('/pipelines/audit-e2e/runs', {
      params: { markets: ['LU', 'PT'], note: 'Zürich "HQ"\n\u2028ok' },
    });
    expect(trigger.status, JSON.stringify(trigger.body)).toBe(202);
    runId = trigger.body.runId;
    expect((await system.waitForRun(runId, 90_000)).run.state).toBe('success');
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('pages GET /runs/:id/events with every hashed field', async () => {
    const all = (await system.api.get(`/runs/${runId}/events`)).body as {
      runSeq: number;
      prevHash: string;
      hash: string;
    }[];
    expect(all.length).toBeGreaterThan(6);
    const paged: typeof all = [];
    for (;;) {
      const page = (await system.api.get(`/runs/${runId}/events?after=${paged.at(-1)?.runSeq ?? 0}&limit=3`))
        .body as typeof all;
      paged.push(...page);
      if (page.length < 3) break;
    }
    expect(paged).toEqual(all);
    expect(Object.keys(all[0]!).sort()).toEqual([
      'actor',
      'attempt',
      'eventId',
      'hash',
      'occurredAt',
      'payload',
      'prevHash',
      'runId',
      'runSeq',
      'seq',
      'taskId',
      'traceId',
      'type',
    ]);
    expect(all[1]!.prevHash).toBe(all[0]!.hash);
  });

  it('exports over HTTP what the database holds, and verifies the file with neither database nor api', async () => {
    const viaApi = join(dir, 'api.ndjson');
    const viaDb = join(dir, 'db.ndjson');
    const exported = await cli(['audit', 'export', runId, '--out', viaApi], apiEnv());
    expect(exported.stderr).toMatch(
      new RegExp(`^exported \\d+ events of run ${runId} to ${viaApi} \\(head [0-9a-f]{64}\\)\\n$`),
    );
    expect(exported.code).toBe(0);
    expect(
      (
        await cli(
          ['audit', 'export', runId, '--out', viaDb, '--database-url', system.env.TRIBUTARY_DATABASE_URL!],
          {},
        )
      ).code,
    ).toBe(0);
    const events = (file: string) => readFileSync(file, 'utf8').trim().split('\n').slice(1);
    expect(events(viaApi)).toEqual(events(viaDb));

    const offline = await cli(['audit', 'verify', '--file', viaApi], {});
    expect(offline.stdout).toMatch(
      new RegExp(`chain ok: ${events(viaApi).length} events of run ${runId} verify`),
    );
    expect(offline.code).toBe(0);
  });

  it('signs a checkpoint the export then matches, and the database verifies against it', async () => {
    const key = join(dir, 'key.pem');
    expect((await cli(['audit', 'keygen', '--out', key], {})).code).toBe(0);
    const created = await cli(
      ['audit', 'checkpoint', '--sign-key', key, '--out', join(dir, 'published')],
      dbEnv(),
    );
    expect(created.stdout).toMatch(/^checkpoint 1: \d+ runs, \d+ events/);
    expect(created.code).toBe(0);
    const checkpoint = join(dir, 'published', 'checkpoint-000001.json');
    const pub = join(dir, 'key.pub.pem');
    const offline = await cli(
      ['audit', 'verify', '--file', join(dir, 'api.ndjson'), '--checkpoint', checkpoint, '--public-key', pub],
      {},
    );
    expect(offline.stdout).toMatch(/\n {2}matches signed checkpoint 1\n$/);
    const online = await cli(['audit', 'verify', '--checkpoint', checkpoint, '--public-key', pub], dbEnv());
    expect(online.stdout).toMatch(/^audit ok: \d+ run\(s\) covered by checkpoint 1, 0 newer/);
    expect(online.code).toBe(0);
  });
});
