import 'reflect-metadata';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import { createTestNats, type TestNats } from '@tributary/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JetStreamBinding } from './jetstream-binding.js';
import { JetStreamContext } from './jetstream.context.js';
import { JetStreamServer } from './jetstream.transport.js';
import { connectNats } from './nats-connection.js';
import { PoisonMessageError } from './poison-message.error.js';
import { publish } from './publish.js';
import type { StreamDefinition } from './stream-provisioning.js';

const received: { pattern: string; payload: string; subject: string; deliveryCount: number; runId?: string }[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => void | Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(25);
    }
  }
}

@Controller()
class TaskController {
  // `<string>`: Nest 12's typed EventPattern overloads type extra handler args as `unknown`,
  // so a typed `@Ctx() ctx: JetStreamContext` only type-checks with the untyped overload.
  @EventPattern<string>('task.echo')
  async echo(@Payload() data: Uint8Array, @Ctx() ctx: JetStreamContext): Promise<void> {
    ctx.working();
    received.push({
      pattern: 'task.echo',
      payload: new TextDecoder().decode(data),
      subject: ctx.getSubject(),
      deliveryCount: ctx.getDeliveryCount(),
      runId: ctx.getHeader('tributary-run-id'),
    });
  }

  @EventPattern<string>('task.flaky')
  flaky(@Payload() data: Uint8Array, @Ctx() ctx: JetStreamContext): void {
    received.push({ pattern: 'task.flaky', payload: new TextDecoder().decode(data), subject: ctx.getSubject(), deliveryCount: ctx.getDeliveryCount() });
    if (ctx.getDeliveryCount() === 1) throw new Error('downstream unavailable');
  }

  @EventPattern<string>('task.strict')
  strict(@Payload() data: Uint8Array): void {
    throw new PoisonMessageError(`cannot parse ${new TextDecoder().decode(data)}`);
  }
}

@Module({ controllers: [TaskController] })
class AppModule {}

describe('JetStreamServer (NestJS custom transport, NATS 2.9)', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let streamDef: StreamDefinition;
  let bindings: JetStreamBinding[];

  beforeEach(async () => {
    received.length = 0;
    nats = await createTestNats();
    nc = await connectNats({ url: nats.url, name: 'messaging-transport-test' });
    jsm = await jetstreamManager(nc);
    const p = nats.prefix;
    streamDef = { name: `${p.toUpperCase()}_TASKS`, subjects: [`${p}.task.>`], retention: 'workqueue' };
    const consumer = { ackWaitMs: 1_000, maxDeliver: 5, maxAckPending: 16, retryBackoffMs: [100] };
    bindings = ['echo', 'flaky', 'strict'].map((name) => ({
      pattern: `task.${name}`,
      stream: streamDef.name,
      durable: `executor-${name}`,
      filterSubject: `${p}.task.${name}`,
      ...consumer,
    }));
  });

  afterEach(async () => {
    await nc.drain();
    await nats.cleanup();
  });

  async function startApp(onPoison?: (reason: string) => void) {
    const server = new JetStreamServer({
      connect: { url: nats.url, name: 'executor-under-test' },
      streams: [streamDef],
      bindings,
      onPoison: (_msg, reason) => onPoison?.(reason),
    });
    const app = await NestFactory.createMicroservice<MicroserviceOptions>(AppModule, { strategy: server, logger: false });
    await app.listen();
    return { app, server };
  }

  it('delivers an event to the @EventPattern handler and acks it', async () => {
    const { app, server } = await startApp();
    try {
      await publish(jetstream(nc), `${nats.prefix}.task.echo`, new TextEncoder().encode('hello'), {
        msgId: 'echo-1',
        headers: { 'Tributary-Run-Id': 'run-42' },
      });

      await eventually(() =>
        expect(received).toEqual([
          { pattern: 'task.echo', payload: 'hello', subject: `${nats.prefix}.task.echo`, deliveryCount: 1, runId: 'run-42' },
        ]),
      );
      await eventually(async () => {
        const info = await jsm.consumers.info(streamDef.name, 'executor-echo');
        expect([info.num_pending, info.num_ack_pending]).toEqual([0, 0]);
      });
      expect((await jsm.streams.info(streamDef.name)).state.messages).toBe(0);
      expect(server.unwrap<NatsConnection>().isClosed()).toBe(false);
    } finally {
      await app.close();
    }
    expect(() => server.unwrap()).toThrow(/not listening/);
  });

  it('naks a failing handler for redelivery and terms a PoisonMessageError once', async () => {
    const poison: string[] = [];
    const { app } = await startApp((reason) => poison.push(reason));
    try {
      const js = jetstream(nc);
      await publish(js, `${nats.prefix}.task.flaky`, new TextEncoder().encode('retry me'), { msgId: 'flaky-1' });
      await publish(js, `${nats.prefix}.task.strict`, new TextEncoder().encode('{oops'), { msgId: 'strict-1' });

      await eventually(() => expect(received.map((r) => r.deliveryCount)).toEqual([1, 2]));
      await eventually(() => expect(poison).toEqual(['cannot parse {oops']));
      await sleep(1_200); // past the ack wait: a termed message would have come back by now
      expect(poison).toHaveLength(1);
      expect((await jsm.streams.info(streamDef.name)).state.messages).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('refuses to start when a handler has no binding', async () => {
    bindings = bindings.filter((b) => b.pattern !== 'task.strict');
    const server = new JetStreamServer({ connect: { url: nats.url, name: 'unbound' }, streams: [streamDef], bindings });
    const app = await NestFactory.createMicroservice<MicroserviceOptions>(AppModule, { strategy: server, logger: false });
    await expect(app.listen()).rejects.toThrow(/handler for pattern task\.strict has no JetStream binding/);
    await app.close();
  });
});
