import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '@tributary/domain';
import { CLI, TributarySystem } from '../support/tributary-system.js';

const GATED = readFileSync(new URL('./fixtures/gated-markets.yaml', import.meta.url), 'utf8');

/** Runs the real CLI against the system's api and answers its exit code and output. */
function cli(system: TributarySystem, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, ...system.env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, out: stdout, err: stderr });
      },
    );
  });
}

const sorted = (ids: readonly string[]) => [...ids].sort();
/** The api's run view adds the outcome (`failedGroups`) to the domain's. */
const failedGroupsOf = (view: RunView) => (view.run as { failedGroups?: string[] }).failedGroups;

describe('operator actions at the scale of groups (issue #9 item 4)', () => {
  let system: TributarySystem;

  beforeAll(async () => {
    system = await TributarySystem.start({
      executorHosts: [
        { name: 'host-retrieval', executors: ['generate-queries', 'search', 'judge'] },
        { name: 'host-reporting', executors: ['ner-diff', 'report', 'fail', 'flaky'] },
      ],
    });
    await system.applyPipeline(GATED);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  const eventsOf = (runId: string) =>
    system.db
      .selectFrom('event_log')
      .select(['type', 'actor', 'payload'])
      .where('run_id', '=', runId)
      .orderBy('run_seq')
      .execute();

  it('groups retry re-runs every instance of that group and the consolidation; the other groups keep their attempts; the log records actor and reason', async () => {
    const trigger = await system.api.post('/pipelines/gated-markets/runs', {
      params: { markets: ['LU', 'PT', 'GR'], flakyMarkets: ['GR'] },
    });
    const runId: string = trigger.body.runId;
    const before: RunView = await system.waitForRun(runId);
    expect(before.run.state).toBe('success');
    expect(failedGroupsOf(before)).toEqual(['market=GR']);
    const gr = before.tasks.filter((t) => t.taskId.startsWith('market=GR/'));
    expect(gr.filter((t) => t.state === 'success').length).toBeGreaterThan(0); // successful ones are retried too

    // Dry run: names the instances, changes nothing.
    const logBefore = (await eventsOf(runId)).length;
    const dry = await cli(system, ['groups', 'retry', runId, 'market=GR', '--dry-run', '--json']);
    expect(dry.code, dry.err).toBe(0);
    const planned = JSON.parse(dry.out) as { dryRun: boolean; group: string; cleared: string[] };
    expect(planned.dryRun).toBe(true);
    expect(sorted(planned.cleared)).toEqual(sorted([...gr.map((t) => t.taskId), 'consolidate']));
    expect((await eventsOf(runId)).length).toBe(logBefore);

    // The real retry names the same instances (one per line) and follows the run to a clean success.
    const retry = await cli(system, [
      'groups',
      'retry',
      runId,
      'market=GR',
      '--reason',
      'search vendor fixed',
      '--wait',
    ]);
    expect(retry.code, retry.out + retry.err).toBe(0);
    const lines = retry.out.split('\n');
    expect(lines[0]).toBe(`cleared ${planned.cleared.length} task instances:`);
    expect(lines.slice(1, 1 + planned.cleared.length)).toEqual(planned.cleared.map((id) => `  ${id}`));
    expect(retry.out).toMatch(/run \S+ success in /);

    const after: RunView = await system.waitForRun(runId, 60_000, (v) => v.run.state === 'success');
    expect(failedGroupsOf(after)).toEqual([]);
    const attemptOf = (view: RunView, taskId: string) => view.tasks.find((t) => t.taskId === taskId)!.attempt;
    for (const t of before.tasks) {
      if (t.taskId.startsWith('market=GR/') || t.taskId === 'consolidate') {
        // Every instance ran once more: those that ran (success or failed) a second time, the
        // upstream_failed ones (attempt 0) for the first time; all succeed now.
        // A mapped stage that was upstream_failed without expanding is expanded this time instead.
        const now = after.tasks.find((x) => x.taskId === t.taskId);
        if (now) expect([t.taskId, now.attempt, now.state]).toEqual([t.taskId, t.attempt + 1, 'success']);
        else {
          expect([t.taskId, t.state, t.mapIndex]).toEqual([t.taskId, 'upstream_failed', null]);
          const expanded = after.tasks.filter((x) => x.taskId.startsWith(`${t.taskId}[`));
          expect(expanded.length).toBeGreaterThan(0);
          expect(expanded.every((x) => x.state === 'success' && x.attempt === 1)).toBe(true);
        }
      } else {
        // LU and PT: untouched.
        expect([
          t.taskId,
          attemptOf(after, t.taskId),
          after.tasks.find((x) => x.taskId === t.taskId)!.state,
        ]).toEqual([t.taskId, t.attempt, t.state]);
      }
    }

    const events = await eventsOf(runId);
    const rounds = events
      .filter((e) => e.type === 'ConsolidationTriggered')
      .map((e) => (e.payload as any).round);
    expect(rounds).toEqual([1, 2]);
    const cleared = events.filter((e) => e.type === 'TaskInstanceCleared');
    expect(cleared.length).toBeGreaterThan(0);
    for (const e of cleared) {
      expect(planned.cleared).toContain((e.payload as any).taskId);
      expect([e.actor, (e.payload as any).actor, (e.payload as any).reason]).toEqual([
        'bootstrap-admin',
        'bootstrap-admin',
        'search vendor fixed',
      ]);
    }
    expect(cleared.some((e) => /^market=(LU|PT)\//.test((e.payload as any).taskId))).toBe(false);
    const reopened = events.find((e) => e.type === 'RunReopened')!;
    expect([(reopened.payload as any).actor, (reopened.payload as any).reason]).toEqual([
      'bootstrap-admin',
      'search vendor fixed',
    ]);
  }, 180_000);

  it('selectors and --state name exactly the matching instances in a dry run; a clear without a reason is recorded without one', async () => {
    const trigger = await system.api.post('/pipelines/gated-markets/runs', {
      params: { markets: ['LU', 'PT', 'GR'], failMarkets: ['PT'], flakyMarkets: ['LU'] },
    });
    const runId: string = trigger.body.runId;
    const view: RunView = await system.waitForRun(runId);
    const ids = view.tasks.map((t) => t.taskId);
    const dry = async (...args: string[]) => {
      const r = await cli(system, ['tasks', 'clear', runId, ...args, '--dry-run', '--json']);
      expect(r.code, r.err).toBe(0);
      return sorted((JSON.parse(r.out) as { cleared: string[] }).cleared);
    };
    const logBefore = (await eventsOf(runId)).length;

    expect(await dry('*', '--state', 'failed', '--no-downstream')).toEqual([
      'market=LU/flaky-gate',
      'market=PT/gate',
    ]);
    const thirds = sorted(ids.filter((id) => id.endsWith('/retrieve[3]')));
    expect(thirds).toEqual(['market=GR/retrieve[3]', 'market=LU/retrieve[3]', 'market=PT/retrieve[3]']);
    expect(await dry('retrieve[3]', '--no-downstream')).toEqual(thirds);
    expect(await dry('market=GR/*', '--no-downstream')).toEqual(
      sorted(ids.filter((id) => id.startsWith('market=GR/'))),
    );
    expect(await dry('*/evaluate', '--no-downstream')).toEqual(
      sorted(ids.filter((id) => /^market=\w+\/evaluate/.test(id))),
    );
    const withDownstream = await dry('market=LU/flaky-gate');
    expect(withDownstream).toContain('market=LU/flaky-gate');
    expect(withDownstream).toContain('market=LU/report');
    expect(withDownstream).toContain('consolidate');
    expect(withDownstream.filter((id) => /^market=(PT|GR)\//.test(id))).toEqual([]);
    expect(await dry('*/gate', '--only-failed', '--no-downstream')).toEqual(['market=PT/gate']);
    expect((await eventsOf(runId)).length).toBe(logBefore);

    const missing = await cli(system, ['tasks', 'clear', runId, 'market=FR', '--dry-run']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`run ${runId} has no task instance matching 'market=FR'`);

    // The real clear names the same instances as its dry run; no --reason: recorded with the actor, no reason.
    const real = await cli(system, ['tasks', 'clear', runId, 'market=LU/flaky-gate', '--json']);
    expect(real.code, real.err).toBe(0);
    expect(sorted(JSON.parse(real.out).cleared)).toEqual(withDownstream);
    const cleared = (await eventsOf(runId)).filter((e) => e.type === 'TaskInstanceCleared');
    expect(cleared.length).toBeGreaterThan(0);
    for (const e of cleared)
      expect([e.actor, (e.payload as any).reason ?? '']).toEqual(['bootstrap-admin', '']);
  }, 180_000);
});
