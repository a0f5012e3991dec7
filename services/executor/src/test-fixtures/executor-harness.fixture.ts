import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  AttemptOutcome,
  createDispatchBatch,
  decodeResultBatch,
  encodeDispatchBatch,
  jsonFromBytes,
  jsonToBytes,
  streams,
  subjects,
  type AttemptResult,
  type ResultBatch,
  type StreamSpec,
  type Subjects,
} from '@tributary/events';
import { createDb, migrateToLatest, type Database } from '@tributary/event-store';
import { connectNats, ensureConsumer, ensureStreams, msgIdOf, publish } from '@tributary/messaging';
import type { Kysely } from 'kysely';
import { loadConfig, type RunningService, type TributaryConfig } from '@tributary/runtime';
import {
  createTestDatabase,
  createTestNats,
  eventually,
  type TestDatabase,
  type TestNats,
} from '@tributary/testing';
import { startExecutor } from '../executor.js';
import type { ExecutorOptions } from '../executor.options.js';

export { eventually, sleep } from '@tributary/testing';

/** One received result message. */
export interface ReceivedBatch {
  subject: string;
  /** Payload bytes of the message. */
  bytes: number;
  msgId: string | undefined;
  traceparent: string | undefined;
  batch: ResultBatch;
}

const runTraces = new Map<string, string>();

/** Attempt init of a dispatch; attempts of one run share the run's trace (as the planner sends them). */
export function attemptOf(
  runId: string,
  taskId: string,
  input: unknown,
  extra: { timeoutMs?: number; attempt?: number } = {},
) {
  const attempt = extra.attempt ?? 1;
  let traceId = runTraces.get(runId);
  if (traceId === undefined) {
    traceId = randomBytes(16).toString('hex');
    runTraces.set(runId, traceId);
  }
  return {
    attemptId: `${runId}/${taskId}#${attempt}`,
    runId,
    taskId,
    stage: taskId,
    attempt,
    inputJson: jsonToBytes(input),
    paramsJson: jsonToBytes({ market: 'LU' }),
    timeoutMs: extra.timeoutMs ?? 0,
    traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    pipelineId: 'test',
  };
}
export type AttemptInit = ReturnType<typeof attemptOf>;

export const traceIdOf = (traceparent: string | undefined): string | undefined => traceparent?.split('-')[1];

/** NATS + Postgres for one test, a results collector, dispatch helpers and started hosts (stopped by cleanup). */
export class ExecutorHarness {
  readonly received: ReceivedBatch[] = [];
  private readonly hosts: RunningService[] = [];
  private messages: ConsumerMessages | undefined;
  private tmp: string | undefined;
  private kysely: Kysely<Database> | undefined;

  private constructor(
    readonly nats: TestNats,
    readonly db: TestDatabase,
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly subjects: Subjects,
    readonly streams: Record<'TASKS' | 'RESULTS', StreamSpec>,
  ) {}

  static async create(db?: TestDatabase): Promise<ExecutorHarness> {
    const nats = await createTestNats();
    const database = db ?? (await createTestDatabase());
    const nc = await connectNats({ url: nats.url, name: 'executor-test' });
    const jsm = await jetstreamManager(nc);
    const specs = streams(nats.prefix);
    await ensureStreams(
      jsm,
      Object.values(specs).map((s) => ({ ...s, subjects: [...s.subjects] })),
    );
    const harness = new ExecutorHarness(nats, database, nc, jetstream(nc), jsm, subjects(nats.prefix), specs);
    await harness.collectResults();
    return harness;
  }

  config(host: string, env: Record<string, string> = {}): TributaryConfig {
    return loadConfig(env, {
      subjectPrefix: this.nats.prefix,
      databaseUrl: this.db.url,
      natsUrl: this.nats.url,
      host,
    });
  }

  async startHost(
    host: string,
    options: ExecutorOptions = {},
    env: Record<string, string> = {},
  ): Promise<RunningService> {
    const service = await startExecutor(this.config(host, env), options);
    this.hosts.push(service);
    return service;
  }

  /** A handler module in a temp dir: `chatty` logs through ctx.log and returns what it saw. */
  async writeHandlerModule(): Promise<string> {
    this.tmp ??= await mkdtemp(join(tmpdir(), 'executor-handlers-'));
    const file = join(this.tmp, 'chatty.mjs');
    await writeFile(
      file,
      [
        'export const chatty = {',
        "  name: 'chatty',",
        '  run: async (ctx) => {',
        "    ctx.log.info('hello from chatty', { market: ctx.params.market, attempt: ctx.attempt });",
        "    ctx.log.warn('second line');",
        '    return { seen: ctx.input, taskId: ctx.taskId };',
        '  },',
        '};',
        '',
      ].join('\n'),
    );
    return file;
  }

  /** A handler module in a temp dir, `file` with the given source lines. */
  async writeModule(file: string, lines: readonly string[]): Promise<string> {
    this.tmp ??= await mkdtemp(join(tmpdir(), 'executor-handlers-'));
    const path = join(this.tmp, file);
    await writeFile(path, [...lines, ''].join('\n'));
    return path;
  }

  /** Applies the migrations to the test database (executor hosts write only `dead_letters`); returns a client. */
  async migratedDb(): Promise<Kysely<Database>> {
    this.kysely ??= createDb(this.db.url, { maxConnections: 2 });
    await migrateToLatest(this.kysely);
    return this.kysely;
  }

  /** A handler that ignores ctx.signal: `stubborn` runs `input.ms` whatever happens, then returns. */
  async writeStubbornHandlerModule(): Promise<string> {
    this.tmp ??= await mkdtemp(join(tmpdir(), 'executor-handlers-'));
    const file = join(this.tmp, 'stubborn.mjs');
    await writeFile(
      file,
      [
        'export const stubborn = {',
        "  name: 'stubborn',",
        '  run: (ctx) => new Promise((resolve) => setTimeout(() => resolve(ctx.taskId), ctx.input.ms)),',
        '};',
        '',
      ].join('\n'),
    );
    return file;
  }

  async dispatch(executor: string, attempts: AttemptInit[]): Promise<string> {
    const batch = createDispatchBatch(executor, attempts);
    await publish(this.js, this.subjects.task(executor), encodeDispatchBatch(batch), {
      msgId: batch.batchId,
    });
    return batch.batchId;
  }

  private async collectResults(): Promise<void> {
    const durable = 'test-results';
    await ensureConsumer(this.jsm, this.streams.RESULTS.name, {
      durable,
      filterSubject: this.subjects.resultAll,
      ackWaitMs: 30_000,
      maxDeliver: -1,
      maxAckPending: 10_000,
    });
    const consumer = await this.js.consumers.get(this.streams.RESULTS.name, durable);
    this.messages = await consumer.consume({ max_messages: 1_000 });
    void (async () => {
      for await (const msg of this.messages!) {
        const decoded = decodeResultBatch(msg.data);
        if (decoded.ok) {
          this.received.push({
            subject: msg.subject,
            bytes: msg.data.byteLength,
            msgId: msgIdOf(msg),
            traceparent: msg.headers?.get('traceparent') || undefined,
            batch: decoded.value,
          });
        }
        msg.ack();
      }
    })();
  }

  /** Every result received, flattened, with the subject and trace of its message. */
  results(): (AttemptResult & { subject: string; traceparent: string | undefined })[] {
    return this.received.flatMap((r) =>
      r.batch.results.map((result) =>
        Object.assign(result, { subject: r.subject, traceparent: r.traceparent }),
      ),
    );
  }

  finalOf(attemptId: string): AttemptResult | undefined {
    return this.results().find((r) => r.attemptId === attemptId && r.outcome !== AttemptOutcome.STARTED);
  }

  startedOf(attemptId: string): AttemptResult | undefined {
    return this.results().find((r) => r.attemptId === attemptId && r.outcome === AttemptOutcome.STARTED);
  }

  /** Waits until every attempt has a final result; returns them in order. */
  async finals(attemptIds: readonly string[], timeoutMs = 10_000): Promise<AttemptResult[]> {
    return eventually(() => {
      const found = attemptIds.map((id) => this.finalOf(id));
      const missing = attemptIds.filter((_, i) => found[i] === undefined);
      if (missing.length > 0) throw new Error(`no final result yet for ${missing.join(', ')}`);
      return found as AttemptResult[];
    }, timeoutMs);
  }

  async tasksPending(): Promise<{ stored: number; ackPending: number }> {
    const info = await this.jsm.streams.info(this.streams.TASKS.name);
    let ackPending = 0;
    for await (const c of this.jsm.consumers.list(this.streams.TASKS.name)) ackPending += c.num_ack_pending;
    return { stored: info.state.messages, ackPending };
  }

  async cleanup(options: { keepDb?: boolean } = {}): Promise<void> {
    await Promise.allSettled(this.hosts.splice(0).map((h) => h.stop()));
    await this.messages?.close();
    await this.nc.drain().catch(() => undefined);
    await this.nats.cleanup();
    await this.kysely?.destroy();
    if (!options.keepDb) await this.db.drop();
    if (this.tmp) await rm(this.tmp, { recursive: true, force: true });
  }
}

export const runId = (): string => `r-${randomUUID().slice(0, 8)}`;
export const json = (bytes: Uint8Array): unknown => {
  const parsed = jsonFromBytes(bytes);
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
};
