import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { subjects, type Subjects } from '@tributary/events';
import { createTestNats, type TestNats } from '@tributary/testing';
import { answerPresence } from './host-presence.js';
import { liveHosts } from './live-hosts.js';

describe('host presence: hosts answer, the api gathers', () => {
  let nats: TestNats;
  let hostConn: NatsConnection;
  let apiConn: NatsConnection;
  let s: Subjects;

  beforeAll(async () => {
    nats = await createTestNats();
    s = subjects(nats.prefix);
    hostConn = await connect({ servers: nats.url });
    apiConn = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await hostConn?.close();
    await apiConn?.close();
    await nats?.cleanup();
  });

  it('returns at once with no host, and lists each host of one process apart with its current load', async () => {
    const before = Date.now();
    expect(await liveHosts(apiConn, s)).toEqual([]);
    expect(Date.now() - before).toBeLessThan(500);

    let running = 0;
    const byName = (): Record<string, number> => (running > 0 ? { sleep: running } : {});
    const executor = answerPresence(hostConn, s, { kind: 'executor', hostname: 'h1' }, () => ({
      executors: ['sleep', 'echo'],
      inFlight: running,
      concurrency: 4,
      inFlightByExecutor: byName(),
    }));
    const consolidator = answerPresence(hostConn, s, { kind: 'consolidator', hostname: 'h1' }, () => ({
      executors: ['merge'],
      inFlight: 0,
      concurrency: 8,
    }));
    // Another prefix's host is not asked.
    const stranger = answerPresence(
      hostConn,
      subjects(`${nats.prefix}x`),
      { kind: 'executor', hostname: 'h9' },
      () => ({
        executors: ['noop'],
        inFlight: 0,
        concurrency: 1,
      }),
    );
    running = 2;
    const hosts = await liveHosts(apiConn, s);
    expect(hosts.map((h) => [h.kind, h.hostname, h.executors, h.inFlight, h.concurrency])).toEqual([
      ['consolidator', 'h1', ['merge'], 0, 8],
      ['executor', 'h1', ['echo', 'sleep'], 2, 4],
    ]);
    expect(hosts[1]!.inFlightByExecutor).toEqual({ sleep: 2 });
    expect(hosts[0]!.id).not.toBe(hosts[1]!.id);
    expect(hosts[1]!.pid).toBe(process.pid);
    expect(Date.parse(hosts[1]!.startedAt)).toBeLessThanOrEqual(Date.parse(hosts[1]!.lastSeen));

    executor.unsubscribe();
    await hostConn.flush();
    expect((await liveHosts(apiConn, s)).map((h) => h.kind)).toEqual(['consolidator']);
    consolidator.unsubscribe();
    stranger.unsubscribe();
  });

  it('skips an unreadable answer and keeps the readable ones', async () => {
    const junk = hostConn.subscribe(s.presenceQuery, {
      callback: (_e, msg) => void msg.respond(new Uint8Array([0xff, 0xff])),
    });
    const host = answerPresence(hostConn, s, { kind: 'executor', hostname: 'h2' }, () => ({
      executors: ['echo'],
      inFlight: 0,
      concurrency: 1,
    }));
    await hostConn.flush();
    const skipped: string[] = [];
    const hosts = await liveHosts(apiConn, s, undefined, (message) => skipped.push(message));
    expect(hosts.map((h) => h.hostname)).toEqual(['h2']);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(/^unreadable presence answer skipped: /);
    junk.unsubscribe();
    host.unsubscribe();
  });
});
