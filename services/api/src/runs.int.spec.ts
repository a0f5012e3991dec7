import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { RunEvent } from '@tributary/domain';
import { verifyExport } from '@tributary/event-store';
import { encodeRunEvent, encodeRunEventBatch } from '@tributary/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from './test-support/api-harness.js';
import { at, insertFakeRun, RUN } from './test-support/fake-run.js';
import { sseReader } from './test-support/sse-reader.js';

describe('api: runs', () => {
  let h: ApiHarness;
  let viewer: string;
  let nc: NatsConnection;

  beforeAll(async () => {
    h = await startApiHarness();
    nc = await connect({ servers: h.nats.url });
    viewer = await h.tokenFor('viewer');
    await insertFakeRun(h);
  });
  afterAll(async () => {
    await nc?.close();
    await h?.close();
  });

  it('answers the run view: the run, groups and counts, never instances or outputs', async () => {
    const res = await h.call('GET', `/runs/${RUN}`, { token: viewer });
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({
      run: {
        id: RUN,
        pipeline: 'shipping',
        version: 2,
        state: 'running',
        params: { markets: ['LU', 'PT'] },
        createdAt: '2024-05-01T10:00:00.000Z',
        finishedAt: null,
        reason: null,
        instances: 4,
        // Still running, so not partial; the counts and failed groups are there already.
        partial: false,
        counts: { pending: 1, success: 1, failed: 1, running: 1 },
        failedGroups: ['market=LU', 'market=PT'],
      },
      groups: [
        { path: 'market=LU', state: 'running', label: null, counts: { success: 1, failed: 1, running: 1 } },
        { path: 'market=PT', state: 'failed', label: null, counts: {} },
      ],
      stages: [
        { stage: 'consolidate', counts: { pending: 1 } },
        { stage: 'market/fetch', counts: { success: 1 } },
        { stage: 'market/process', counts: { failed: 1, running: 1 } },
      ],
    });
  });

  it('answers 404 not_found for a run whose trigger is not processed yet', async () => {
    const res = await h.call('GET', '/runs/not-yet', { token: viewer });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect((await h.call('GET', '/runs/has.dots', { token: viewer })).status).toBe(404);
  });

  it('lists runs newest first with filters', async () => {
    await h.api.infra.db
      .insertInto('runs')
      .values({
        run_id: 'older',
        pipeline_id: 'other',
        pipeline_version: 1,
        state: 'success',
        params: '{}',
        created_at: new Date('2024-04-01T00:00:00Z'),
        finished_at: new Date('2024-04-01T00:01:00Z'),
      })
      .execute();
    const all = await h.call('GET', '/runs', { token: viewer });
    expect(all.body.map((r: { id: string }) => r.id)).toEqual([RUN, 'older']);
    expect(all.body[1]).toEqual({
      id: 'older',
      pipeline: 'other',
      version: 1,
      state: 'success',
      createdAt: '2024-04-01T00:00:00.000Z',
      finishedAt: '2024-04-01T00:01:00.000Z',
    });
    expect((await h.call('GET', '/runs?pipeline=other', { token: viewer })).body).toHaveLength(1);
    expect((await h.call('GET', '/runs?state=running&limit=5', { token: viewer })).body[0].id).toBe(RUN);
    expect((await h.call('GET', '/runs?limit=1', { token: viewer })).body).toHaveLength(1);
    // --partial: a success with a failed/upstream_failed instance; the clean success is left out.
    await h.api.infra.db
      .insertInto('runs')
      .values({
        run_id: 'partial-one',
        pipeline_id: 'other',
        pipeline_version: 1,
        state: 'success',
        params: '{}',
        created_at: new Date('2024-03-01T00:00:00Z'),
        finished_at: new Date('2024-03-01T00:01:00Z'),
      })
      .execute();
    await h.api.infra.db
      .insertInto('task_instances')
      .values(
        (['success', 'upstream_failed'] as const).map((state, i) => ({
          run_id: 'partial-one',
          task_id: `region=eu/t${i}`,
          stage: 'region/t',
          group_path: 'region=eu',
          map_index: null,
          executor: 'noop',
          state,
        })),
      )
      .execute();
    const partial = await h.call('GET', '/runs?partial=true', { token: viewer });
    expect(partial.body.map((r: { id: string }) => r.id)).toEqual(['partial-one']);
    expect((await h.call('GET', '/runs?partial=false', { token: viewer })).body).toHaveLength(3);
    const pv = await h.call('GET', '/runs/partial-one', { token: viewer });
    expect(pv.body.run).toMatchObject({
      state: 'success',
      partial: true,
      counts: { success: 1, upstream_failed: 1 },
      failedGroups: ['region=eu'],
    });
    const bad = await h.call('GET', '/runs?state=done&limit=0', { token: viewer });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(['?state', '?limit']);

    // A time window on created_at: since inclusive, until exclusive, any offset.
    const ids = async (query: string) =>
      (await h.call('GET', `/runs?${query}`, { token: viewer })).body.map((r: { id: string }) => r.id);
    expect(await ids('since=2024-04-01T00:00:00Z')).toEqual([RUN, 'older']);
    expect(await ids('since=2024-03-01T00:00:01Z&until=2024-04-01T00:00:00Z')).toEqual([]);
    expect(await ids('until=2024-04-01T02:00:00%2B02:00')).toEqual(['partial-one']);
    const badTimes = await h.call('GET', '/runs?since=yesterday&until=2024-13-45T10:00Z', { token: viewer });
    expect(badTimes.status).toBe(400);
    expect(badTimes.body.error.details).toEqual([
      { path: '?since', message: expect.stringContaining('must be an ISO 8601 time with its offset') },
      { path: '?until', message: 'must be a real date and time, got "2024-13-45T10:00Z"' },
    ]);
  });

  it("answers the run's event log, after a run_seq", async () => {
    const res = await h.call('GET', `/runs/${RUN}/events`, { token: viewer });
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(3);
    expect(res.body[2]).toEqual({
      seq: expect.any(Number),
      eventId: '00000000-0000-4000-8000-000000000002',
      runId: RUN,
      runSeq: 3,
      type: 'TaskInstanceSucceeded',
      taskId: 'market=LU/fetch',
      attempt: 1,
      payload: { type: 'TaskInstanceSucceeded', n: 2 },
      actor: 'planner',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      occurredAt: '2024-05-01T10:00:02.000Z',
      prevHash: res.body[1].hash,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // Everything the hash covers is there: the chain verifies from the HTTP answer alone.
    const verified = await verifyExport(res.body.map((e: unknown) => JSON.stringify(e)));
    expect(verified).toMatchObject({ ok: true, events: 3, headHash: res.body[2].hash });
    const after = await h.call('GET', `/runs/${RUN}/events?after=1`, { token: viewer });
    expect(after.body.map((e: { runSeq: number }) => e.runSeq)).toEqual([2, 3]);
    expect((await h.call('GET', `/runs/${RUN}/events?after=3`, { token: viewer })).body).toEqual([]);
    expect((await h.call('GET', '/runs/nope/events', { token: viewer })).status).toBe(404);
    expect((await h.call('GET', `/runs/${RUN}/events?after=-1`, { token: viewer })).status).toBe(400);
    const ofTask = await h.call(
      'GET',
      `/runs/${RUN}/events?taskId=${encodeURIComponent('market=LU/fetch')}`,
      {
        token: viewer,
      },
    );
    expect(ofTask.body.map((e: { taskId: string }) => e.taskId)).toEqual(
      res.body
        .filter((e: { taskId: string | null }) => e.taskId === 'market=LU/fetch')
        .map((e: { taskId: string }) => e.taskId),
    );
    expect(ofTask.body.length).toBeGreaterThan(0);
    expect(ofTask.body.length).toBeLessThan(3);
    const ofType = await h.call('GET', `/runs/${RUN}/events?type=TaskInstanceSucceeded`, { token: viewer });
    expect(ofType.body.map((e: { runSeq: number }) => e.runSeq)).toEqual([3]);
    const badType = await h.call('GET', `/runs/${RUN}/events?type=x;drop`, { token: viewer });
    expect(badType.status).toBe(400);
    expect(badType.body.error.details[0].path).toBe('?type');
  });

  it("answers a task's log lines by URL-encoded task id, per attempt", async () => {
    const path = `/runs/${RUN}/tasks/${encodeURIComponent('market=LU/process[1]')}/logs`;
    const all = await h.call('GET', path, { token: viewer });
    expect(all.status).toBe(200);
    expect(all.body).toEqual([
      { attempt: 1, at: '2024-05-01T10:00:10.000Z', level: 'info', message: 'line 0', fields: null },
      { attempt: 2, at: '2024-05-01T10:00:11.000Z', level: 'info', message: 'line 1', fields: { k: 'v' } },
      { attempt: 2, at: '2024-05-01T10:00:12.000Z', level: 'warn', message: 'line 2', fields: null },
    ]);
    const second = await h.call('GET', `${path}?attempt=2`, { token: viewer });
    expect(second.body.map((l: { message: string }) => l.message)).toEqual(['line 1', 'line 2']);
    const none = await h.call('GET', `/runs/${RUN}/tasks/consolidate/logs`, { token: viewer });
    expect(none.body).toEqual([]);
    const unknown = await h.call('GET', `/runs/${RUN}/tasks/${encodeURIComponent('market=XX/fetch')}/logs`, {
      token: viewer,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('market=XX/fetch');
  });

  it('streams a snapshot, then the events published on the run subject, and ends after RunCompleted', async () => {
    const controller = new AbortController();
    const res = await fetch(`${h.api.url}/api/v1/runs/${RUN}/stream`, {
      headers: { authorization: `Bearer ${viewer}` },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const nextMessage = sseReader(res).next;

    const snapshot = await nextMessage();
    expect(snapshot.event).toBe('snapshot');
    expect(snapshot.id).toBe('3');
    expect(snapshot.data.run.id).toBe(RUN);
    expect(snapshot.data.run.instances).toBe(4);
    expect(snapshot.data.tasks).toBeUndefined();

    const publishEvent = (event: RunEvent, runSeq: number) =>
      nc.publish(
        h.api.infra.subjects.event(RUN, event.type),
        encodeRunEvent(event, {
          eventId: `e-${runSeq}`,
          runId: RUN,
          runSeq,
          actor: 'planner',
          traceId: null,
        }),
      );
    // Already in the snapshot (run_seq 3): skipped.
    publishEvent({ type: 'TaskInstanceScheduled', taskId: 'consolidate', at: at(20).getTime() }, 3);
    // Task events of one planner commit arrive as one EventBatch message.
    const meta = (runSeq: number) => ({
      eventId: `e-${runSeq}`,
      runId: RUN,
      runSeq,
      actor: 'planner',
      traceId: null,
    });
    nc.publish(
      h.api.infra.subjects.eventBatch(RUN),
      encodeRunEventBatch(RUN, [
        {
          event: {
            type: 'TaskInstanceStarted',
            taskId: 'market=LU/process[1]',
            attempt: 2,
            host: 'h1',
            at: at(21).getTime(),
          },
          meta: meta(4),
        },
        {
          event: {
            type: 'TaskInstanceSucceeded',
            taskId: 'market=LU/process[1]',
            attempt: 2,
            output: 7,
            at: at(21).getTime(),
          },
          meta: meta(5),
        },
      ]),
    );
    publishEvent(
      { type: 'RunCompleted', state: 'failed', reason: 'market=PT failed', at: at(22).getTime() },
      6,
    );

    const started = await nextMessage();
    expect(started).toEqual({
      event: 'TaskInstanceStarted',
      id: '4',
      data: {
        type: 'TaskInstanceStarted',
        taskId: 'market=LU/process[1]',
        attempt: 2,
        host: 'h1',
        at: at(21).getTime(),
        runSeq: 4,
      },
    });
    const succeeded = await nextMessage();
    expect(succeeded).toMatchObject({
      event: 'TaskInstanceSucceeded',
      id: '5',
      data: { output: 7, runSeq: 5 },
    });
    const completed = await nextMessage();
    expect(completed.event).toBe('RunCompleted');
    expect(completed.data).toMatchObject({ state: 'failed', runSeq: 6 });
    await expect(nextMessage()).rejects.toThrow('stream ended');
  });

  it('with ?progress=<ms>, sends progress messages that count the events, then the final event as itself', async () => {
    const res = await fetch(`${h.api.url}/api/v1/runs/${RUN}/stream?progress=300`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(res.status).toBe(200);
    const next = sseReader(res).next;
    expect((await next()).event).toBe('snapshot');
    const meta = (runSeq: number) => ({
      eventId: `p-${runSeq}`,
      runId: RUN,
      runSeq,
      actor: 'planner',
      traceId: null,
    });
    const started = (runSeq: number) => ({
      event: {
        type: 'TaskInstanceStarted' as const,
        taskId: 'market=LU/process[1]',
        attempt: runSeq,
        host: 'h1',
        at: at(21).getTime(),
      },
      meta: meta(runSeq),
    });
    nc.publish(h.api.infra.subjects.eventBatch(RUN), encodeRunEventBatch(RUN, [4, 5, 6, 7, 8].map(started)));
    nc.publish(
      h.api.infra.subjects.event(RUN, 'RunCompleted'),
      encodeRunEvent({ type: 'RunCompleted', state: 'success', reason: null, at: at(22).getTime() }, meta(9)),
    );
    const messages = [];
    for (;;) {
      const message = await next();
      messages.push(message);
      if (message.event !== 'progress') break;
    }
    const progress = messages.slice(0, -1);
    // The first event goes out at once, the rest within the interval as one message: two, or more when slow.
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.length).toBeLessThan(5);
    expect(progress.reduce((sum, m) => sum + m.data.events, 0)).toBe(5);
    expect(progress.at(-1)).toEqual({
      event: 'progress',
      id: '8',
      data: { runSeq: 8, events: expect.any(Number) },
    });
    expect(progress.map((m) => Number(m.id))).toEqual(
      [...progress.map((m) => Number(m.id))].sort((a, b) => a - b),
    );
    expect(messages.at(-1)).toMatchObject({
      event: 'RunCompleted',
      id: '9',
      data: { state: 'success', runSeq: 9 },
    });
    await expect(next()).rejects.toThrow('stream ended');

    const bad = await fetch(`${h.api.url}/api/v1/runs/${RUN}/stream?progress=5`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('progress');
  });

  it('ends the stream after the snapshot when the run is already finished', async () => {
    const res = await fetch(`${h.api.url}/api/v1/runs/older/stream`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    const text = await res.text();
    expect(text.startsWith('event: snapshot\nid: 0\ndata: {"run":{"id":"older"')).toBe(true);
    expect(text.match(/^event: /gm)).toHaveLength(1);
  });

  it('answers 404 (not a stream) for an unknown run, and 401 without a token', async () => {
    const res = await fetch(`${h.api.url}/api/v1/runs/nope/stream`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect((await fetch(`${h.api.url}/api/v1/runs/${RUN}/stream`)).status).toBe(401);
  });

  it('ends open streams when the api stops (last: stops the api)', async () => {
    const res = await fetch(`${h.api.url}/api/v1/runs/${RUN}/stream`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    const reader = res.body!.getReader();
    await reader.read(); // the snapshot
    const started = Date.now();
    await h.api.stop();
    expect(Date.now() - started).toBeLessThan(5000);
    for (;;) if ((await reader.read()).done) break;
  });
});
