import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, TributarySystem } from '../support/tributary-system.js';

const GATED = readFileSync(new URL('./fixtures/gated-markets.yaml', import.meta.url), 'utf8');
/** One stage that always fails and a consolidation that needs it: the run ends failed. */
const FAILS = `id: outcome-fails
stages:
  - id: boom
    executor: fail
    with: { enabled: true, message: 'boom' }
consolidate:
  executor: consolidate
`;

/** Runs the real CLI against the system's api and answers its exit code and output. */
function cli(system: TributarySystem, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, ...system.env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, out: stdout + stderr });
      },
    );
  });
}

describe("a run's outcome tells the truth (issue #9 item 3)", () => {
  let system: TributarySystem;

  beforeAll(async () => {
    system = await TributarySystem.start({
      executorHosts: [
        { name: 'host-retrieval', executors: ['generate-queries', 'search', 'judge'] },
        { name: 'host-reporting', executors: ['ner-diff', 'report', 'fail', 'flaky'] },
      ],
    });
    await system.applyPipeline(GATED);
    await system.applyPipeline(FAILS);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('runs trigger --wait exits 0 for a clean success', async () => {
    const r = await cli(system, [
      'runs',
      'trigger',
      'gated-markets',
      '--params',
      '{"markets":["LU"]}',
      '--wait',
    ]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/run \S+ success in /);
  }, 120_000);

  it('exits 3 for a success with a failed group, names the group; the view counts states; runs list --partial and runs follow agree', async () => {
    const r = await cli(system, [
      'runs',
      'trigger',
      'gated-markets',
      '--params',
      '{"markets":["LU","PT"],"failMarkets":["PT"]}',
      '--wait',
    ]);
    expect(r.code, r.out).toBe(3);
    expect(r.out).toContain('success with 1 failed group (market=PT)');
    const runId = /run (\S+) triggered/.exec(r.out)![1]!;
    const view = await system.runView(runId);
    expect(view.run.state).toBe('success');
    expect(view.run.partial).toBe(true);
    expect(view.run.failedGroups).toEqual(['market=PT']);
    expect(view.run.counts.failed).toBe(1);
    expect(view.run.counts.upstream_failed).toBeGreaterThan(0);
    const total = Object.values(view.run.counts as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(total).toBe(view.tasks.length);
    expect(view.run.instances).toBe(view.tasks.length);
    const listed = await cli(system, ['runs', 'list', '--partial', '--json']);
    expect(listed.code, listed.out).toBe(0);
    expect(JSON.parse(listed.out).map((x: { id: string }) => x.id)).toEqual([runId]);
    // A time window: the run was created before now, not after it.
    const now = new Date().toISOString();
    const until = await cli(system, ['runs', 'list', '--partial', '--until', now, '--json']);
    expect(JSON.parse(until.out).map((x: { id: string }) => x.id)).toEqual([runId]);
    const since = await cli(system, ['runs', 'list', '--since', now, '--json']);
    expect(JSON.parse(since.out)).toEqual([]);
    const followed = await cli(system, ['runs', 'follow', runId]);
    expect(followed.code, followed.out).toBe(3);
    expect(followed.out).toContain('success with 1 failed group (market=PT)');
  }, 120_000);

  it('exits 1 for a failed run, and runs follow exits 1 too', async () => {
    const r = await cli(system, ['runs', 'trigger', 'outcome-fails', '--wait']);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/run \S+ failed in /);
    const runId = /run (\S+) triggered/.exec(r.out)![1]!;
    expect((await cli(system, ['runs', 'follow', runId])).code).toBe(1);
  }, 120_000);

  it('tasks clear --wait follows the run after the clear to its end (a flaky group clears to a clean success: 0)', async () => {
    const r = await cli(system, [
      'runs',
      'trigger',
      'gated-markets',
      '--params',
      '{"markets":["GR"],"flakyMarkets":["GR"]}',
      '--wait',
    ]);
    expect(r.code, r.out).toBe(3);
    const runId = /run (\S+) triggered/.exec(r.out)![1]!;
    const cleared = await cli(system, [
      'tasks',
      'clear',
      runId,
      'market=GR/flaky-gate',
      '--reason',
      'fixed',
      '--wait',
    ]);
    expect(cleared.code, cleared.out).toBe(0);
    expect(cleared.out).toMatch(/run \S+ success in /);
    expect((await system.api.get(`/runs/${runId}`)).body.run.partial).toBe(false);
  }, 120_000);

  it('an accepted run is never 404: GET right after each of 20 202s answers queued or later; a repeated key answers the same run', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const trigger = await system.api.post('/pipelines/gated-markets/runs', {
        params: { markets: ['LU'] },
        idempotencyKey: `never-404-${i % 10}`,
      });
      expect(trigger.status).toBe(202);
      const runId = trigger.body.runId as string;
      ids.add(runId);
      const view = await system.api.get(`/runs/${runId}`);
      expect(view.status, JSON.stringify(view.body)).toBe(200);
      expect(['queued', 'running', 'success']).toContain(view.body.run.state);
    }
    expect(ids.size).toBe(10);
    for (const runId of ids) await system.waitForRun(runId);
  }, 180_000);

  it('params the schema refuses: the 422 names a run id that answers queued, then rejected with its reason (runs show prints it)', async () => {
    const res = await system.api.post('/pipelines/gated-markets/runs', { params: { markets: 'LU' } });
    expect(res.status).toBe(422);
    const runId = /recorded as run (\S+)/.exec(res.body.error.message)![1]!;
    const first = await system.api.get(`/runs/${runId}`);
    expect(first.status).toBe(200);
    expect(['queued', 'rejected']).toContain(first.body.run.state);
    const view = await system.waitForRun(runId, 60_000, (v) => v.run.state === 'rejected');
    expect(view.run.reason).toBeTruthy();
    const shown = await cli(system, ['runs', 'show', runId]);
    expect(shown.out).toContain(`rejected (${view.run.reason}`);
  }, 120_000);
});
