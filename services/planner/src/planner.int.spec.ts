import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream } from '@nats-io/jetstream';
import { verifyChain } from '@tributary/event-store';
import { encodeTriggerRun, jsonToBytes, subjects as subjectsOf } from '@tributary/events';
import { decodeOperatorReply, sendOperatorCommand, type OperatorCommand } from '@tributary/runtime';
import { PlannerService } from './planner.service.js';
import {
  db,
  failures,
  nats,
  nc,
  planner,
  startPlannerWithFakeExecutor,
  stopPlannerWithFakeExecutor,
  waitForState,
} from './test-support/planner-with-fake-executor.js';

describe('planner (in-process) with a fake executor', () => {
  beforeAll(startPlannerWithFakeExecutor, 60_000);
  afterAll(stopPlannerWithFakeExecutor);

  it('turns a trigger into a run, fails the one failing index, and a clear over the control subject finishes it', async () => {
    const js = jetstream(nc);
    const runId = 'run-planner-1';
    await js.publish(
      subjectsOf(nats.prefix).trigger('fanout'),
      encodeTriggerRun({ runId, pipelineId: 'fanout', paramsJson: jsonToBytes({}), actor: 'test' }),
      { msgID: `t-${runId}` },
    );
    expect(await waitForState(runId, ['success', 'failed'])).toBe('failed');
    const tasks = await db
      .selectFrom('task_instances')
      .select(['task_id', 'state'])
      .where('run_id', '=', runId)
      .orderBy('task_id')
      .execute();
    const stateOf = (id: string) => tasks.find((t) => t.task_id === id)?.state;
    expect(stateOf('shard=2/b[1]')).toBe('failed');
    expect(stateOf('shard=2/c')).toBe('upstream_failed');
    expect(stateOf('shard=1/c')).toBe('success');
    expect(tasks).toHaveLength(1 + 2 * (1 + 3 + 1));

    failures.clear();
    const clear = {
      type: 'ClearTaskInstances' as const,
      runId,
      taskIds: ['shard=2/b[1]'],
      downstream: true,
      onlyFailed: false,
      actor: 'alice',
      reason: 'fixed',
    } satisfies OperatorCommand;
    // A dry run names the instances from the run's state and writes nothing; the clear then names the same.
    const logSize = async () =>
      (await db.selectFrom('event_log').select('seq').where('run_id', '=', runId).execute()).length;
    const before = await logSize();
    const dry = await sendOperatorCommand(nc, nats.prefix, { ...clear, dryRun: true });
    if (!dry.ok) throw new Error(dry.error.message);
    expect(dry.taskIds).toEqual(expect.arrayContaining(['shard=2/b[1]', 'shard=2/c']));
    expect(dry.taskIds.filter((id) => id.startsWith('shard=1/'))).toEqual([]);
    expect(await logSize()).toBe(before);
    const reply = await sendOperatorCommand(nc, nats.prefix, clear);
    expect(reply).toEqual({ ok: true, taskIds: dry.taskIds });
    expect(await waitForState(runId, ['success'])).toBe('success');
    expect(await verifyChain(db, runId)).toMatchObject({ ok: true });
    const logs = await db
      .selectFrom('task_logs')
      .select(['task_id', 'message'])
      .where('run_id', '=', runId)
      .where('task_id', '=', 'shard=1/b[2]')
      .execute();
    expect(logs.map((l) => l.message)).toEqual(['ran shard=1/b[2] with item 3']);
    const refused = await sendOperatorCommand(nc, nats.prefix, {
      type: 'ClearTaskInstances',
      runId,
      taskIds: ['nope'],
      downstream: true,
      onlyFailed: false,
      actor: 'alice',
      reason: 'x',
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'unknown_task' } });
    // A control request that is not an OperatorCommandRequest is answered invalid_request, naming why.
    const control = subjectsOf(nats.prefix).control(runId);
    const garbled = decodeOperatorReply((await nc.request(control, new Uint8Array([0x0a, 0x7f]))).data);
    expect(garbled).toEqual({
      ok: true,
      reply: {
        ok: false,
        error: {
          code: 'invalid_request',
          message: expect.stringMatching(
            /^Cannot decode tributary\.v1\.OperatorCommandRequest from 2 bytes: /,
          ),
        },
      },
    });
    const empty = decodeOperatorReply((await nc.request(control, new Uint8Array(0))).data);
    expect(empty).toEqual({
      ok: true,
      reply: {
        ok: false,
        error: {
          code: 'invalid_request',
          message: 'command is not set: expected one of clear, mark, cancel',
        },
      },
    });
  }, 60_000);

  it('records a trigger for an unknown pipeline as TriggerRejected, and a repeated trigger is one run', async () => {
    const js = jetstream(nc);
    await js.publish(
      subjectsOf(nats.prefix).trigger('nope'),
      encodeTriggerRun({ runId: 'run-rejected', pipelineId: 'nope', paramsJson: jsonToBytes({}) }),
      { msgID: 't-rejected' },
    );
    expect(await waitForState('run-rejected', ['rejected'])).toBe('rejected');
    const events = await db
      .selectFrom('event_log')
      .select(['type', 'payload'])
      .where('run_id', '=', 'run-rejected')
      .execute();
    expect(events.map((e) => e.type)).toEqual(['TriggerRejected']);

    for (const id of ['a', 'b']) {
      await js.publish(
        subjectsOf(nats.prefix).trigger('fanout'),
        encodeTriggerRun({ pipelineId: 'fanout', idempotencyKey: 'same-key', paramsJson: jsonToBytes({}) }),
        { msgID: `dup-${id}` },
      );
    }
    for (let i = 0; i < 100; i++) {
      const rows = await db
        .selectFrom('runs')
        .select(['run_id', 'state'])
        .where('idempotency_key', '=', 'same-key')
        .execute();
      if (rows.length === 1 && rows[0]!.state === 'success') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const runs = await db
      .selectFrom('runs')
      .select('run_id')
      .where('idempotency_key', '=', 'same-key')
      .execute();
    expect(runs).toHaveLength(1);
    const accepted = await db
      .selectFrom('event_log')
      .select('type')
      .where('run_id', '=', runs[0]!.run_id)
      .where('type', '=', 'TriggerAccepted')
      .execute();
    expect(accepted).toHaveLength(1);
  }, 60_000);

  it('maxActiveRuns: a second run waits, and starts by itself once the first ended', async () => {
    const js = jetstream(nc);
    for (const runId of ['serial-1', 'serial-2']) {
      await js.publish(
        subjectsOf(nats.prefix).trigger('serial'),
        encodeTriggerRun({ runId, pipelineId: 'serial', paramsJson: jsonToBytes({}) }),
        { msgID: `t-${runId}` },
      );
    }
    expect(await waitForState('serial-1', ['success'])).toBe('success');
    expect(await waitForState('serial-2', ['success'])).toBe('success');
    // Triggers are handled concurrently, so either run may be admitted first; what maxActiveRuns
    // guarantees is that they never overlap: the later run queues nothing before the earlier completed.
    const spans = [];
    for (const runId of ['serial-1', 'serial-2']) {
      const rows = await db
        .selectFrom('event_log')
        .select(['seq', 'type'])
        .where('run_id', '=', runId)
        .where('type', 'in', ['TaskInstanceQueued', 'RunCompleted'])
        .orderBy('seq')
        .execute();
      const queued = rows.find((r) => r.type === 'TaskInstanceQueued');
      const done = rows.find((r) => r.type === 'RunCompleted');
      expect(queued, `${runId} queued a task`).toBeDefined();
      expect(done, `${runId} completed`).toBeDefined();
      spans.push({ runId, firstQueued: BigInt(queued!.seq), completed: BigInt(done!.seq) });
    }
    spans.sort((a, b) => (a.firstQueued < b.firstQueued ? -1 : 1));
    expect(spans[1]!.firstQueued).toBeGreaterThan(spans[0]!.completed);
  }, 60_000);

  it('takes up a running run it does not hold (its holder left for good): the pending retry still runs', async () => {
    const js = jetstream(nc);
    const runId = 'orphan-1';
    await js.publish(
      subjectsOf(nats.prefix).trigger('retrying'),
      encodeTriggerRun({ runId, pipelineId: 'retrying', paramsJson: jsonToBytes({}) }),
      { msgID: `t-${runId}` },
    );
    const service = planner.app.get(PlannerService);
    // The first attempt failed; the retry waits 1.5 s. Forget the run, as if another replica had held it
    // and was then removed: nothing else will ever send a message for this run.
    for (let i = 0; i < 100; i++) {
      const retry = await db
        .selectFrom('event_log')
        .select('seq')
        .where('run_id', '=', runId)
        .where('type', '=', 'TaskInstanceUpForRetry')
        .executeTakeFirst();
      if (retry) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    service.runs.evict(runId);
    expect(service.runs.get(runId)).toBeUndefined();
    expect(await waitForState(runId, ['success', 'failed'])).toBe('success');
    const attempts = await db
      .selectFrom('event_log')
      .select(['type', 'attempt'])
      .where('run_id', '=', runId)
      .where('type', 'in', ['TaskInstanceUpForRetry', 'TaskInstanceSucceeded'])
      .orderBy('run_seq')
      .execute();
    expect(attempts).toEqual([
      { type: 'TaskInstanceUpForRetry', attempt: 1 },
      { type: 'TaskInstanceSucceeded', attempt: 2 },
    ]);
  }, 30_000);
});
