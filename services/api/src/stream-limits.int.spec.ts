import { connect as natsConnect, type NatsConnection } from '@nats-io/transport-node';
import { connect as tcpConnect, type Socket } from 'node:net';
import { encodeRunEvent } from '@tributary/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStreams } from './runs/run-streams.js';
import { startApiHarness, type ApiHarness } from './test-support/api-harness.js';

const LIMITS = {
  TRIBUTARY_SSE_MAX_PER_TOKEN: '2',
  TRIBUTARY_SSE_MAX_TOTAL: '3',
  TRIBUTARY_SSE_MAX_BUFFER: '64KiB',
};

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('api: run stream limits (real connections)', () => {
  let h: ApiHarness;
  let nc: NatsConnection;
  let streams: RunStreams;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    for (const [name, value] of Object.entries(LIMITS)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    h = await startApiHarness();
    nc = await natsConnect({ servers: h.nats.url });
    streams = h.api.app.get(RunStreams);
    for (const runId of ['run-a', 'run-slow']) {
      await h.api.infra.db
        .insertInto('runs')
        .values({ run_id: runId, pipeline_id: 'p', pipeline_version: 1, state: 'running', params: '{}' })
        .execute();
    }
  });
  afterAll(async () => {
    await nc?.close();
    await h?.close();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  /** Opens a stream and reads its snapshot; answers the status, and a way to close it when open. */
  async function openStream(token: string): Promise<{ status: number; body?: any; close: () => void }> {
    const controller = new AbortController();
    const res = await fetch(`${h.api.url}/api/v1/runs/run-a/stream`, {
      headers: { authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    if (res.status !== 200) return { status: res.status, body: await res.json(), close: () => undefined };
    const reader = res.body!.getReader();
    await reader.read(); // the snapshot
    return { status: 200, close: () => controller.abort() };
  }

  it('answers 429 over the per-token and the total limit, naming the variable, and frees the slot on close', async () => {
    const ann = await h.tokenFor('viewer', 'ann');
    const bob = await h.tokenFor('viewer', 'bob');
    const cid = await h.tokenFor('viewer', 'cid');
    const a1 = await openStream(ann);
    const a2 = await openStream(ann);
    expect([a1.status, a2.status]).toEqual([200, 200]);
    const a3 = await openStream(ann);
    expect(a3.status).toBe(429);
    expect(a3.body.error).toEqual({
      code: 'too_many_streams',
      message:
        'this token already has 2 open run streams, the limit per token (TRIBUTARY_SSE_MAX_PER_TOKEN=2); close one first',
    });
    const b1 = await openStream(bob);
    expect(b1.status).toBe(200);
    const c1 = await openStream(cid);
    expect(c1.status).toBe(429);
    expect(c1.body.error.message).toBe(
      'this api already serves 3 run streams, its limit (TRIBUTARY_SSE_MAX_TOTAL=3); try again later or poll GET /runs/:id',
    );
    expect(streams.slots.size).toBe(3);

    a1.close();
    await waitFor('the closed stream to free its slot', () => streams.slots.size === 2);
    const c2 = await openStream(cid);
    expect(c2.status).toBe(200);
    for (const s of [a2, b1, c2]) s.close();
    await waitFor('every stream to close', () => streams.slots.size === 0);
  });

  it('drops a client that stops reading instead of buffering without bound', async () => {
    const viewer = await h.tokenFor('viewer', 'slow');
    const socket: Socket = tcpConnect(Number(new URL(h.api.url).port), '127.0.0.1');
    let received = 0;
    let text = '';
    let ended = false;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (text.length < 10_000) text += chunk.toString('utf8');
    });
    socket.on('close', () => (ended = true));
    socket.write(
      `GET /api/v1/runs/run-slow/stream HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer ${viewer}\r\n\r\n`,
    );
    await waitFor('the snapshot', () => text.includes('event: snapshot'));
    expect(text).toMatch(/^HTTP\/1.1 200/);
    expect(streams.slots.size).toBe(1);
    socket.pause(); // a client that stops reading

    // 40 MB of events: far more than the kernel's socket buffers and the 64 KiB allowed on top.
    const output = 'x'.repeat(100_000);
    const events = 400;
    for (let runSeq = 1; runSeq <= events; runSeq++) {
      nc.publish(
        h.api.infra.subjects.event('run-slow', 'TaskInstanceSucceeded'),
        encodeRunEvent(
          { type: 'TaskInstanceSucceeded', taskId: `t${runSeq}`, attempt: 1, output, at: 0 },
          { eventId: `e-${runSeq}`, runId: 'run-slow', runSeq, actor: 'planner', traceId: null },
        ),
      );
      if (runSeq % 50 === 0) await nc.flush();
    }
    await nc.flush();
    await waitFor('the api to drop the slow client', () => streams.slots.size === 0, 20_000);

    socket.resume(); // what was in flight arrives, then the connection ends
    await waitFor('the connection to end', () => ended, 20_000);
    expect(received).toBeLessThan(events * output.length);
  }, 60_000);
});
