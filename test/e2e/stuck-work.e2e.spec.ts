import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { waitFor } from '../support/free-port.js';
import { TributarySystem } from '../support/tributary-system.js';

const LOST_DISPATCH = `
id: lost-dispatch
defaults: { queuedTimeout: 2s }
stages:
  - { id: only, executor: noop }
`;

const SILENT_HOST = `
id: silent-host
defaults: { retries: 1, retryDelay: 100ms }
stages:
  - { id: long, executor: sleep, with: { ms: 30000 } }
`;

/** Stuck work is recovered (issue #8): lost dispatches are sent again, silent hosts' attempts retried. */
describe('stuck work', () => {
  let system: TributarySystem;

  beforeAll(async () => {
    system = await TributarySystem.start({
      executorHosts: [{ name: 'host', executors: ['noop', 'sleep'] }],
      handlers: [],
      env: { TRIBUTARY_HEARTBEAT_TIMEOUT: '4s' },
    });
    await system.applyPipeline(LOST_DISPATCH);
    await system.applyPipeline(SILENT_HOST);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  const eventsOf = (runId: string, type: string) =>
    system.db
      .selectFrom('event_log')
      .select(['task_id', 'attempt', 'payload', 'actor'])
      .where('run_id', '=', runId)
      .where('type', '=', type)
      .orderBy('seq')
      .execute();

  it('a queued instance whose dispatch was purged from TASKS is dispatched again after queuedTimeout and runs once', async () => {
    await system.process('host').stop();
    const trigger = await system.api.post('/pipelines/lost-dispatch/runs', { params: {} });
    expect(trigger.status).toBe(202);
    const runId: string = trigger.body.runId;
    await waitFor(
      'the dispatch',
      async () => (await eventsOf(runId, 'TaskInstanceQueued')).length === 1,
      20_000,
      20,
    );
    const nc = await connect({ servers: system.natsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      const purged = await jsm.streams.purge(`${system.prefix.toUpperCase()}_TASKS`);
      expect(purged.purged).toBeGreaterThanOrEqual(1);
    } finally {
      await nc.close();
    }
    system.restart('host');
    const view = await system.waitForRun(runId, 30_000);
    expect(view.run.state, system.logs()).toBe('success');
    const requeued = await eventsOf(runId, 'TaskInstanceRequeued');
    expect(requeued.length).toBeGreaterThanOrEqual(1);
    expect(requeued[0]).toMatchObject({ task_id: 'only', attempt: 1, actor: 'planner:watchdog' });
    expect((requeued[0]!.payload as { reason: string }).reason).toMatch(
      /^queued \d+ ms without starting \(queuedTimeout 2000 ms\): dispatched again$/,
    );
    expect(await eventsOf(runId, 'TaskInstanceSucceeded')).toHaveLength(1);
  }, 60_000);

  it('a running attempt whose host died (no heartbeat for the timeout) is failed as HeartbeatLost and retried', async () => {
    const trigger = await system.api.post('/pipelines/silent-host/runs', { params: {} });
    const runId: string = trigger.body.runId;
    await waitFor(
      'the attempt to start',
      async () => (await eventsOf(runId, 'TaskInstanceStarted')).length === 1,
      20_000,
      20,
    );
    await system.kill('host');
    const [lost] = await waitFor(
      'the attempt to be declared lost',
      async () => {
        const rows = await eventsOf(runId, 'TaskInstanceUpForRetry');
        return rows.length > 0 ? rows : undefined;
      },
      30_000,
      100,
    );
    expect(lost).toMatchObject({ task_id: 'long', attempt: 1, actor: 'planner:watchdog' });
    expect((lost!.payload as { error: unknown }).error).toMatchObject({
      type: 'HeartbeatLost',
      retryable: true,
      // Killed before or after its first heartbeat (every 10 s) listed the attempt.
      message: expect.stringMatching(
        /^no (heartbeat from host host listed the attempt|host listed the attempt in a heartbeat) for \d+ ms \(heartbeat timeout 4000 ms\)$/,
      ),
    });
    // The retry is dispatched as attempt 2 (it waits in TASKS for a host).
    await waitFor(
      'the retry',
      async () => (await eventsOf(runId, 'TaskInstanceQueued')).length === 2,
      20_000,
      50,
    );
    system.restart('host');
    await system.api.post(`/runs/${runId}/cancel`, { reason: 'test over' });
  }, 60_000);
});
