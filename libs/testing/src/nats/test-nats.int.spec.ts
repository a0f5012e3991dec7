import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { InfrastructureUnavailableError } from '../infrastructure/infrastructure-unavailable.error.js';
import { createTestNats } from './test-nats.js';

async function streamNames(url: string): Promise<string[]> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const names: string[] = [];
    for await (const name of jsm.streams.names()) names.push(name);
    return names;
  } finally {
    await nc.close();
  }
}

async function addStream(url: string, name: string, subject: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name, subjects: [subject] });
  } finally {
    await nc.close();
  }
}

describe('createTestNats', () => {
  it('hands out a unique prefix per call', async () => {
    const [a, b] = await Promise.all([createTestNats(), createTestNats()]);
    expect(a.prefix).toMatch(/^t_[0-9a-f]{8}$/);
    expect(a.prefix).not.toBe(b.prefix);
    await Promise.all([a.cleanup(), b.cleanup()]);
  });

  it("cleanup deletes its own streams and nobody else's", async () => {
    const mine = await createTestNats();
    const other = await createTestNats();
    const MINE = mine.prefix.toUpperCase();
    const OTHER = other.prefix.toUpperCase();
    await addStream(mine.url, `${MINE}_TASKS`, `${mine.prefix}.task.>`);
    await addStream(mine.url, `${MINE}_EVENTS`, `${mine.prefix}.event.>`);
    await addStream(other.url, `${OTHER}_TASKS`, `${other.prefix}.task.>`);

    await mine.cleanup();
    const left = await streamNames(mine.url);
    expect(left.filter((name) => name.startsWith(MINE))).toEqual([]);
    expect(left).toContain(`${OTHER}_TASKS`);

    await other.cleanup();
    expect((await streamNames(other.url)).filter((name) => name.startsWith(OTHER))).toEqual([]);
    await mine.cleanup();
  });

  it('names the ways out when nothing answers and containers are off', async () => {
    const attempt = createTestNats({ url: 'nats://127.0.0.1:1', container: false });
    await expect(attempt).rejects.toBeInstanceOf(InfrastructureUnavailableError);
    const message = await attempt.catch((error: Error) => error.message);
    expect(message).toContain('TRIBUTARY_NATS_URL');
    expect(message).toContain('nats-server -js');
    expect(message).toContain('testcontainers');
  });
});
