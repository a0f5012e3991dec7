import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { encodeTriggerRun, jsonToBytes } from '@tributary/events';
import type { RunView } from '@tributary/domain';
import { decodeOperatorReply, encodeOperatorCommand } from '@tributary/runtime';
import { eventually } from '@tributary/testing';
import { ROOT, TributarySystem, type ServiceKind } from '../support/tributary-system.js';
import { ThrowawayNats } from '../support/throwaway-nats.js';

const DEMO = readFileSync(`${ROOT}examples/search-quality/pipeline.yaml`, 'utf8');
const PERMISSIONS = `${ROOT}deploy/nats/tributary-permissions.conf`;
const USERS: Record<ServiceKind | 'ops', string> = {
  planner: 'PLANNER',
  executor: 'EXECUTOR',
  'fan-in': 'FAN_IN',
  consolidator: 'CONSOLIDATOR',
  api: 'API',
  ops: 'OPS',
};

describe('deploy/nats/nats.conf: every service as its own NATS user, and nothing more', () => {
  const passwords = Object.fromEntries(
    Object.keys(USERS).map((user) => [user, `pw_${randomBytes(12).toString('hex')}`]), // NATS parses the variable: start with a letter
  );
  let nats: ThrowawayNats;
  let system: TributarySystem;
  let runId: string;

  let dir: string;

  beforeAll(async () => {
    // deploy/nats/nats.conf's server settings (port, store) are the test's own; its users are the file's.
    dir = mkdtempSync(join(tmpdir(), 'nats-permissions-'));
    copyFileSync(PERMISSIONS, join(dir, 'tributary-permissions.conf'));
    writeFileSync(join(dir, 'server.conf'), 'include ./tributary-permissions.conf\n');
    nats = await ThrowawayNats.create({
      config: join(dir, 'server.conf'),
      env: Object.fromEntries(
        Object.entries(USERS).map(([user, env]) => [`TRIBUTARY_NATS_${env}_PASSWORD`, passwords[user]!]),
      ),
      auth: { user: 'ops', pass: passwords.ops! },
    });
    const serviceEnv: Partial<Record<ServiceKind, Record<string, string>>> = {};
    for (const service of ['planner', 'executor', 'fan-in', 'consolidator', 'api'] as const)
      serviceEnv[service] = { TRIBUTARY_NATS_USER: service, TRIBUTARY_NATS_PASSWORD: passwords[service]! };
    system = await TributarySystem.start({
      natsUrl: nats.url,
      natsPrefix: 'tributary', // the prefix the configuration names
      natsAuth: { user: 'ops', pass: passwords.ops! },
      serviceEnv,
      executorHosts: [
        { name: 'host', executors: ['generate-queries', 'search', 'judge', 'ner-diff', 'report'] },
      ],
      startTimeoutMs: 90_000,
    });
    await system.applyPipeline(DEMO);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    await nats?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('runs the demo, a clear (api → planner control) and a second consolidation round', async () => {
    const trigger = await system.api.post('/pipelines/search-quality/runs', {
      params: { markets: ['LU', 'PT'] },
    });
    expect(trigger.status, JSON.stringify(trigger.body)).toBe(202);
    runId = trigger.body.runId;
    const view: RunView = await system.waitForRun(runId, 90_000);
    expect(view.run.state, system.logs()).toBe('success');
    const clear = await system.api.post(`/runs/${runId}/clear`, {
      taskIds: ['market=PT/report'],
      reason: 'again',
    });
    expect(clear.status, JSON.stringify(clear.body)).toBe(200);
    await system
      .waitForRun(
        runId,
        60_000,
        (v: RunView) =>
          v.run.state === 'success' &&
          v.tasks.some((t) => t.taskId === 'market=PT/report' && t.attempt === 2 && t.state === 'success'),
      )
      .catch((error: Error) => {
        throw new Error(`${error.message}\n${system.logs()}`);
      });
    expect(system.logs()).not.toMatch(/permissions violation/i);
    expect(nats.log).not.toMatch(/Violation/); // the server logs "Publish Violation - User …" for each refusal
  }, 180_000);

  it('refuses an executor identity that publishes a trigger or a control command, or reads the api replies', async () => {
    // What a compromised executor host holds: its user, password and inbox.
    const attacker = await connect({
      servers: nats.url,
      user: 'executor',
      pass: passwords.executor!,
      inboxPrefix: '_INBOX_executor',
    });
    const ops = await connect({ servers: nats.url, user: 'ops', pass: passwords.ops! });
    const errors: string[] = [];
    void (async () => {
      for await (const status of attacker.status())
        if (status.type === 'error') errors.push(String(status.error));
    })();
    try {
      const jsm = await jetstreamManager(ops);
      const triggersBefore = (await jsm.streams.info('TRIBUTARY_TRIGGERS')).state.messages;
      const trigger = JSON.stringify({
        pipelineId: 'search-quality',
        params: { markets: ['LU'] },
        actor: 'admin',
      });
      attacker.publish('tributary.trigger.search-quality', trigger);
      await expect(
        attacker.request(
          `tributary.control.${runId}`,
          encodeOperatorCommand({ type: 'CancelRun', runId, actor: 'admin', reason: 'x' }),
          {
            timeout: 3_000,
          },
        ),
      ).rejects.toThrow(/Permissions Violation for Publish to "tributary\.control\./);
      attacker.publish('tributary.task.search', 'forged dispatch');
      attacker.subscribe('_INBOX_api.>');
      attacker.subscribe('tributary.control.*');
      await attacker.flush();
      await eventually(() =>
        expect(errors).toEqual(
          expect.arrayContaining([
            expect.stringMatching(
              /Permissions Violation for Publish to "tributary\.trigger\.search-quality"/,
            ),
            expect.stringMatching(/Permissions Violation for Publish to "tributary\.task\.search"/),
            expect.stringMatching(/Permissions Violation for Subscription to "_INBOX_api\.>"/),
            expect.stringMatching(/Permissions Violation for Subscription to "tributary\.control\.\*"/),
          ]),
        ),
      );
      // Nothing reached the streams, and the run was not cancelled.
      expect((await jsm.streams.info('TRIBUTARY_TRIGGERS')).state.messages).toBe(triggersBefore);
      expect((await system.api.get(`/runs/${runId}`)).body.run.state).toBe('success');
      expect(nats.log).toMatch(
        /Publish Violation - User "executor", Subject "tributary\.trigger\.search-quality"/,
      );
    } finally {
      await attacker.close();
      await ops.close();
    }
  });

  it('lets the api, and only it, publish triggers and control commands', async () => {
    const api = await connect({
      servers: nats.url,
      user: 'api',
      pass: passwords.api!,
      inboxPrefix: '_INBOX_api',
    });
    const fanIn: NatsConnection = await connect({
      servers: nats.url,
      user: 'fan-in',
      pass: passwords['fan-in']!,
    });
    const errors: string[] = [];
    void (async () => {
      for await (const status of fanIn.status())
        if (status.type === 'error') errors.push(String(status.error));
    })();
    try {
      fanIn.publish('tributary.trigger.search-quality', '{}');
      await fanIn.flush();
      await eventually(() =>
        expect(errors).toEqual([
          expect.stringMatching(/Permissions Violation for Publish to "tributary\.trigger\./),
        ]),
      );
      // The api user may: a control request reaches the planner, which answers (here: unknown run).
      const reply = await api.request(
        'tributary.control.no-such-run',
        encodeOperatorCommand({ type: 'CancelRun', runId: 'no-such-run', actor: 'test', reason: 'x' }),
        { timeout: 10_000 },
      );
      expect(decodeOperatorReply(reply.data)).toMatchObject({ ok: true, reply: { ok: false } });

      // Even from the api's identity, a service's own name is refused as the actor (defence in depth).
      const forged = await api.request(
        `tributary.control.${runId}`,
        encodeOperatorCommand({ type: 'CancelRun', runId, actor: 'cron', reason: 'x' }),
        { timeout: 10_000 },
      );
      expect(decodeOperatorReply(forged.data)).toEqual({
        ok: true,
        reply: {
          ok: false,
          error: {
            code: 'invalid_request',
            message: `actor "cron" is a service's own name: operator commands are attributed to the api token that sent them`,
          },
        },
      });
      const forgedRunId = randomUUID();
      await jetstream(api).publish(
        'tributary.trigger.search-quality',
        encodeTriggerRun({
          runId: forgedRunId,
          pipelineId: 'search-quality',
          paramsJson: jsonToBytes({ markets: ['LU'] }),
          actor: 'executor:search',
        }),
      );
      const rejected = await eventually(async () => {
        const rows = await system.db
          .selectFrom('event_log')
          .select(['type', 'actor', 'payload'])
          .where('run_id', '=', forgedRunId)
          .execute();
        expect(rows).toHaveLength(1);
        return rows[0]!;
      }, 20_000);
      expect(rejected.type).toBe('TriggerRejected');
      expect(rejected.actor).toBe('trigger');
      expect(JSON.stringify(rejected.payload)).toContain(
        'actor \\"executor:search\\" is a service\'s own name',
      );
    } finally {
      await api.close();
      await fanIn.close();
    }
  });
});
