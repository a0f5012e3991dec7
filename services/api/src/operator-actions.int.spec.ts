import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import {
  decodeOperatorCommand,
  encodeOperatorReply,
  type OperatorCommand,
  type OperatorReply,
} from '@tributary/runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from './test-support/api-harness.js';

describe('api: operator actions (forwarded to the planner over NATS request/reply)', () => {
  let h: ApiHarness;
  let nc: NatsConnection;
  let operator: string;
  let planner: Subscription | null = null;
  let received: OperatorCommand[] = [];

  /** A fake planner: answers every control request with `answer(command)`. */
  function fakePlanner(answer: (command: OperatorCommand) => OperatorReply): void {
    planner?.unsubscribe();
    planner = nc.subscribe(`${h.nats.prefix}.control.*`, {
      callback: (_error, msg) => {
        const decoded = decodeOperatorCommand(msg.data);
        if (!decoded.ok) throw new Error(decoded.message);
        received.push(decoded.command);
        msg.respond(encodeOperatorReply(answer(decoded.command)));
      },
    });
  }

  beforeAll(async () => {
    h = await startApiHarness();
    nc = await connect({ servers: h.nats.url });
    operator = await h.tokenFor('operator', 'otto');
  });
  beforeEach(async () => {
    received = [];
    // The planner answers with the instances the command affected (here: derived from what it was sent).
    fakePlanner((c) => ({
      ok: true,
      taskIds:
        c.type === 'MarkTaskInstance'
          ? [c.taskId]
          : c.type === 'CancelRun'
            ? ['a', 'b']
            : [...c.taskIds, 'consolidate'],
    }));
    await nc.flush();
  });
  afterAll(async () => {
    await nc?.close();
    await h?.close();
  });

  it('forwards clear with defaults and the token name as actor, and answers the planner reply', async () => {
    const res = await h.call('POST', '/runs/run-1/clear', {
      token: operator,
      body: { taskIds: ['market=LU/process[3]'], reason: 'flaky upstream fixed' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, dryRun: false, cleared: ['market=LU/process[3]', 'consolidate'] });
    expect(received).toEqual([
      {
        type: 'ClearTaskInstances',
        runId: 'run-1',
        taskIds: ['market=LU/process[3]'],
        downstream: true,
        onlyFailed: false,
        actor: 'otto',
        reason: 'flaky upstream fixed',
        dryRun: false,
      },
    ]);
  });

  it('forwards selectors, states and dryRun; the reason is optional and not sent when absent', async () => {
    const res = await h.call('POST', '/runs/run-1/clear', {
      token: operator,
      body: { taskIds: ['*/evaluate', 'retrieve[3]'], states: ['failed', 'upstream_failed'], dryRun: true },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ok: true,
      dryRun: true,
      cleared: ['*/evaluate', 'retrieve[3]', 'consolidate'],
    });
    expect(received).toEqual([
      {
        type: 'ClearTaskInstances',
        runId: 'run-1',
        taskIds: ['*/evaluate', 'retrieve[3]'],
        downstream: true,
        onlyFailed: false,
        states: ['failed', 'upstream_failed'],
        actor: 'otto',
        dryRun: true,
      },
    ]);
  });

  it('group retry clears the group path with downstream, whatever the states, and names the instances', async () => {
    const res = await h.call('POST', '/runs/run-1/groups/retry', {
      token: operator,
      body: { group: 'market=GR', reason: 'vendor fixed GR' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ok: true,
      dryRun: false,
      group: 'market=GR',
      cleared: ['market=GR', 'consolidate'],
    });
    expect(received).toEqual([
      {
        type: 'ClearTaskInstances',
        runId: 'run-1',
        taskIds: ['market=GR'],
        downstream: true,
        onlyFailed: false,
        actor: 'otto',
        reason: 'vendor fixed GR',
        dryRun: false,
      },
    ]);
    fakePlanner(() => ({
      ok: false,
      error: { code: 'unknown_task', message: "no task instance matching 'market=FR'" },
    }));
    const unknown = await h.call('POST', '/runs/run-1/groups/retry', {
      token: operator,
      body: { group: 'market=FR' },
    });
    expect([unknown.status, unknown.body.error]).toEqual([
      404,
      { code: 'unknown_group', message: 'run run-1 has no group market=FR (no task instance in it)' },
    ]);
  });

  it('group retry refuses what is not a group path, and viewers', async () => {
    received = [];
    for (const group of ['market=*', 'generate', 'market=GR/generate', 'market=GR/']) {
      const res = await h.call('POST', '/runs/run-1/groups/retry', { token: operator, body: { group } });
      expect([group, res.status, res.body.error.details]).toEqual([
        group,
        400,
        [
          {
            path: '/group',
            message: `must be a group path such as market=GR or market=GR/lang=el, got "${group}"`,
          },
        ],
      ]);
    }
    const viewer = await h.tokenFor('viewer', 'rita');
    const denied = await h.call('POST', '/runs/run-1/groups/retry', {
      token: viewer,
      body: { group: 'market=GR' },
    });
    expect(denied.status).toBe(403);
    expect(received).toEqual([]);
  });

  it('forwards cancel and mark', async () => {
    expect(
      (await h.call('POST', '/runs/run-2/cancel', { token: operator, body: { reason: 'wrong params' } }))
        .status,
    ).toBe(200);
    const mark = await h.call('POST', '/runs/run-2/mark', {
      token: operator,
      body: { taskId: 'consolidate', state: 'success', reason: 'done by hand' },
    });
    expect(mark.status).toBe(200);
    expect(mark.body).toEqual({ ok: true, marked: ['consolidate'] });
    const unexplained = await h.call('POST', '/runs/run-2/mark', {
      token: operator,
      body: { taskId: 'consolidate', state: 'failed' },
    });
    expect(unexplained.status).toBe(200);
    expect(received).toEqual([
      { type: 'CancelRun', runId: 'run-2', actor: 'otto', reason: 'wrong params' },
      {
        type: 'MarkTaskInstance',
        runId: 'run-2',
        taskId: 'consolidate',
        state: 'success',
        actor: 'otto',
        reason: 'done by hand',
      },
      { type: 'MarkTaskInstance', runId: 'run-2', taskId: 'consolidate', state: 'failed', actor: 'otto' },
    ]);
  });

  it('maps planner refusals: 409 for the domain, 404 for unknown tasks', async () => {
    fakePlanner((c) =>
      c.type === 'CancelRun'
        ? { ok: false, error: { code: 'run_finished', message: 'run run-3 is already success' } }
        : { ok: false, error: { code: 'unknown_task', message: 'run run-3 has no task instance x' } },
    );
    const cancel = await h.call('POST', '/runs/run-3/cancel', { token: operator, body: { reason: 'r' } });
    expect(cancel.status).toBe(409);
    expect(cancel.body).toEqual({ error: { code: 'run_finished', message: 'run run-3 is already success' } });
    const clear = await h.call('POST', '/runs/run-3/clear', {
      token: operator,
      body: { taskIds: ['x'], reason: 'r' },
    });
    expect(clear.status).toBe(404);
    expect(clear.body.error.code).toBe('unknown_task');
  });

  it('answers 503 no_planner when no planner answers', async () => {
    planner?.unsubscribe();
    planner = null;
    await nc.flush();
    const res = await h.call('POST', '/runs/run-4/cancel', { token: operator, body: { reason: 'r' } });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('no_planner');
  });

  it('validates bodies precisely and forwards nothing invalid', async () => {
    const clear = await h.call('POST', '/runs/run-5/clear', {
      token: operator,
      body: {
        taskIds: ['ok', '', 'a//b', 'retrieve[x]'],
        downstream: 'yes',
        states: ['failed', 'broken'],
        reason: 'r',
        force: true,
      },
    });
    expect(clear.status).toBe(400);
    expect(clear.body.error.details).toEqual([
      { path: '/taskIds/1', message: 'must not be empty' },
      { path: '/taskIds/2', message: 'task selector has an empty path segment' },
      { path: '/taskIds/3', message: 'task selector has a map index other than a final [n] or [*]' },
      { path: '/downstream', message: 'must be true or false, got "yes"' },
      {
        path: '/states/1',
        message: expect.stringMatching(/^must be one of pending, .*cancelled, got "broken"$/),
      },
      { path: '/force', message: expect.stringContaining('unknown field') },
    ]);
    const noReason = await h.call('POST', '/runs/run-5/cancel', { token: operator, body: {} });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details).toEqual([{ path: '/reason', message: 'is required' }]);
    const empty = await h.call('POST', '/runs/run-5/cancel', { token: operator });
    expect(empty.status).toBe(400);
    const mark = await h.call('POST', '/runs/run-5/mark', {
      token: operator,
      body: { taskId: 'a', state: 'running', reason: 'r' },
    });
    expect(mark.status).toBe(400);
    expect(mark.body.error.details[0]).toEqual({
      path: '/state',
      message: 'must be one of success, failed, skipped, got "running"',
    });
    const noTasks = await h.call('POST', '/runs/run-5/clear', {
      token: operator,
      body: { taskIds: [], reason: 'r' },
    });
    expect(noTasks.status).toBe(400);
    expect(received).toEqual([]);
  });
  it('answers 413 for a clear NATS cannot carry (2 MB of task ids), not "no planner, try again", and sends nothing', async () => {
    const taskIds = Array.from({ length: 1000 }, (_, i) => `market=LU/${'t'.repeat(2000)}[${i}]`);
    const res = await h.call('POST', '/runs/run-1/clear', {
      token: operator,
      body: { taskIds, reason: 'r' },
    });
    expect([res.status, res.body.error.code]).toEqual([413, 'payload_too_large']);
    expect(res.body.error.message).toMatch(
      /^this ClearTaskInstances command is \d+ bytes \([\d.]+ KiB\); the NATS server carries at most \d+ bytes \(.+\) \(max_payload\): name fewer or shorter task ids$/,
    );
    expect(received).toEqual([]);
  });
});
