import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStoredMessages } from '../support/stream-reader.js';
import { CLI, TributarySystem } from '../support/tributary-system.js';

/** Clear values no response, message, log line or row may show. */
const TOKEN = `tok-${randomBytes(12).toString('hex')}`;
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** One group (so the consolidation runs in the consolidator service), a stage that uses the secret, one that leaks it. */
const PIPELINE = `
id: secrets-e2e
params:
  type: object
  required: [token, markets]
  properties:
    token: { type: string, minLength: 10, x-secret: true }
    db:
      type: object
      properties:
        user: { type: string }
        password: { type: string, writeOnly: true }
    markets: { type: array, items: { type: string } }
stages:
  - group: market
    over: params.markets
    stages:
      - id: use
        executor: use-secret
        with: { token: "\${{ params.token }}", market: "\${{ group.key }}" }
      - id: leak
        executor: leak-secret
consolidate:
  executor: secret-consolidate
  triggerRule: all_done
`;

/** Handlers that receive the clear values, write what they saw to files, and try to leak them. */
function writeHandlers(): { dir: string; module: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-secrets-e2e-'));
  const module = join(dir, 'secret-handlers.mjs');
  writeFileSync(
    module,
    `import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { defineHandler, FatalError } from '@tributary/worker-sdk';
const seen = (name, value) => writeFileSync(${JSON.stringify(dir)} + '/seen-' + name + '.json', JSON.stringify(value));
const sha = (text) => createHash('sha256').update(String(text)).digest('hex');
export const useSecret = defineHandler({
  name: 'use-secret',
  run: (ctx) => {
    seen('use', { input: ctx.input.token, param: ctx.params.token, password: ctx.params.db.password });
    ctx.log.info('calling the service with ' + ctx.input.token, { password: ctx.params.db.password });
    return { tokenSha: sha(ctx.input.token), echo: 'token was ' + ctx.params.token, market: ctx.input.market };
  },
});
export const leakSecret = defineHandler({
  name: 'leak-secret',
  run: (ctx) => {
    throw new FatalError('GET https://api.example/?key=' + ctx.params.token + ' answered 401');
  },
});
export const secretConsolidate = defineHandler({
  name: 'secret-consolidate',
  run: (ctx) => {
    seen('consolidate', { param: ctx.params.token });
    ctx.log.warn('consolidating with ' + ctx.params.token);
    return { tokenSha: sha(ctx.params.token) };
  },
});
`,
  );
  return { dir, module, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function cli(system: TributarySystem, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, ...system.env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, out: stdout + stderr });
      },
    );
  });
}

/** Reads a run's SSE stream until the run completes (or `timeoutMs`), as raw text. */
async function readStream(system: TributarySystem, runId: string, timeoutMs: number): Promise<string> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let text = '';
  try {
    const response = await fetch(`${system.api.baseUrl}/api/v1/runs/${runId}/stream`, {
      headers: { authorization: `Bearer ${system.env['TRIBUTARY_API_TOKEN']}` },
      signal: controller.signal,
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      if (text.includes('event: RunCompleted')) break;
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return text;
}

const expectNoClearSecret = (where: string, text: string) => {
  expect(text.includes(TOKEN), `${where} shows the token in clear`).toBe(false);
  expect(text.includes(PASSWORD), `${where} shows the password in clear`).toBe(false);
};

describe('secret params through the real services (issue #10 item 4)', () => {
  let system: TributarySystem;
  const handlers = writeHandlers();
  let runId: string;
  let view: any;
  let streamText: string;

  beforeAll(async () => {
    system = await TributarySystem.start({
      executorHosts: [{ name: 'host', executors: ['use-secret', 'leak-secret'] }],
      handlers: [handlers.module],
      env: { TRIBUTARY_SECRETS_KEY: randomBytes(32).toString('base64'), TRIBUTARY_LOG_LEVEL: 'debug' },
    });
    await system.applyPipeline(PIPELINE);
    const response = await system.api.post('/pipelines/secrets-e2e/runs', {
      params: { token: TOKEN, db: { user: 'svc', password: PASSWORD }, markets: ['LU'] },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    expectNoClearSecret('the 202', JSON.stringify(response.body));
    runId = response.body.runId;
    const streaming = readStream(system, runId, 90_000);
    try {
      view = await system.waitForRun(runId, 90_000);
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\n${JSON.stringify((await system.api.get(`/runs/${runId}`)).body)}\n${system.logs()}`,
        { cause: error },
      );
    }
    streamText = await streaming;
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    handlers.remove();
  }, 60_000);

  it('hands the handlers (executor and consolidator) the clear values', () => {
    const use = JSON.parse(readFileSync(join(handlers.dir, 'seen-use.json'), 'utf8'));
    expect(use).toEqual({ input: TOKEN, param: TOKEN, password: PASSWORD });
    const consolidate = JSON.parse(readFileSync(join(handlers.dir, 'seen-consolidate.json'), 'utf8'));
    expect(consolidate).toEqual({ param: TOKEN });
    const byId = new Map(view.tasks.map((t: any) => [t.taskId, t]));
    expect((byId.get('market=LU/use') as any).output.tokenSha).toBe(sha256(TOKEN));
    expect((byId.get('consolidate') as any).output.tokenSha).toBe(sha256(TOKEN));
    expect(view.run.state).toBe('success');
  });

  it('shows redacted markers in the run view and masks the secret in outputs, errors and task logs', async () => {
    expect(view.run.params.token).toEqual({ $secret: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(view.run.params.db).toEqual({ user: 'svc', password: { $secret: expect.stringMatching(/^sha256:/) } });
    expect(view.run.params.markets).toEqual(['LU']);
    const byId = new Map(view.tasks.map((t: any) => [t.taskId, t]));
    expect((byId.get('market=LU/use') as any).output.echo).toBe('token was ***');
    expect((byId.get('market=LU/leak') as any).error.message).toBe('GET https://api.example/?key=*** answered 401');
    const logs = await system.api.get(`/runs/${runId}/tasks/${encodeURIComponent('market=LU/use')}/logs`);
    expect(logs.status).toBe(200);
    expect(JSON.stringify(logs.body)).toContain('calling the service with ***');
    const consolidateLogs = await system.api.get(`/runs/${runId}/tasks/consolidate/logs`);
    expect(JSON.stringify(consolidateLogs.body)).toContain('consolidating with ***');
    expectNoClearSecret('task logs', JSON.stringify([logs.body, consolidateLogs.body]));
  });

  it('shows the clear value in no api response, SSE message or service log line', async () => {
    const responses = await Promise.all(
      [
        `/runs/${runId}`,
        `/runs`,
        `/runs/${runId}/events`,
        `/runs/${runId}/tasks/${encodeURIComponent('market=LU/leak')}/logs`,
        `/runs/${runId}/tasks/${encodeURIComponent('market=LU/use')}/logs`,
        // The paged instances with outputs, one instance, the grid.
        `/runs/${runId}/tasks?outputs=true`,
        `/runs/${runId}/tasks/${encodeURIComponent('market=LU/use')}`,
        `/runs/${runId}/grid`,
      ].map((path) => system.api.get(path)),
    );
    for (const response of responses) expect(response.status).toBe(200);
    const events = JSON.stringify(responses[2]!.body);
    expect(events).toContain('"$secret":"sha256:');
    expect(events).not.toContain('"ct"'); // not even the ciphertext leaves
    expectNoClearSecret('api responses', JSON.stringify(responses.map((r) => r.body)));
    expect(streamText).toContain('event: snapshot');
    expect(streamText).toContain('event: RunCompleted');
    expectNoClearSecret('the SSE stream', streamText);
    for (const process of system.processes) {
      expect(process.log.length, `${process.name} logged nothing`).toBeGreaterThan(0);
      expectNoClearSecret(`${process.name}'s output`, process.log);
    }
  });

  it('stores only envelopes: no clear value in event_log, runs, accepted_triggers, task_instances', async () => {
    for (const table of ['event_log', 'runs', 'accepted_triggers', 'task_instances', 'task_logs']) {
      const rows = await sql<{ row: string }>`select row_to_json(t)::text as row from ${sql.table(table)} t`.execute(
        system.db,
      );
      expectNoClearSecret(table, rows.rows.map((r) => r.row).join('\n'));
    }
    const accepted = await system.db
      .selectFrom('event_log')
      .select('payload')
      .where('run_id', '=', runId)
      .where('type', '=', 'TriggerAccepted')
      .executeTakeFirstOrThrow();
    const token = (accepted.payload as any).params.token.$secret;
    expect(Object.keys(token).sort()).toEqual(['ct', 'digest', 'dk', 'iv', 'kid', 'tag', 'v']);
    expect(view.run.params.token.$secret).toBe(token.digest);
  });

  it('publishes only envelopes on NATS: TRIGGERS and EVENTS hold no clear value', async () => {
    for (const [stream, filter] of [
      ['TRIGGERS', `${system.prefix}.trigger.*`],
      ['EVENTS', `${system.prefix}.event.>`],
    ] as const) {
      const messages = await readStoredMessages(system.natsUrl, `${system.prefix.toUpperCase()}_${stream}`, filter);
      expect(messages.length, stream).toBeGreaterThan(0);
      expectNoClearSecret(stream, messages.map((m) => Buffer.from(m.data).toString('latin1')).join('\n'));
    }
  });

  it('audit history --json and audit export show redacted markers only; audit verify passes, online and on the export', async () => {
    const history = await cli(system, ['audit', 'history', runId, '--json']);
    expect(history.code, history.out).toBe(0);
    expectNoClearSecret('audit history --json', history.out);
    expect(history.out).toContain('"$secret": "sha256:');
    expect(history.out).not.toContain('"ct"');
    const table = await cli(system, ['audit', 'history', runId]);
    expect(table.code, table.out).toBe(0);
    expectNoClearSecret('audit history', table.out);
    const verify = await cli(system, ['audit', 'verify', runId]);
    expect(verify.code, verify.out).toBe(0);
    expect(verify.out).toContain('chain ok');
    // The export (through the api) holds only redacted markers and still verifies offline.
    const file = join(handlers.dir, 'run.ndjson');
    const exported = await cli(system, ['audit', 'export', runId, '--out', file]);
    expect(exported.code, exported.out).toBe(0);
    const ndjson = readFileSync(file, 'utf8');
    expectNoClearSecret('audit export', ndjson);
    expect(ndjson).toContain('"$secret":"sha256:');
    expect(ndjson).not.toContain('"ct"');
    const offline = await cli(system, ['audit', 'verify', '--file', file]);
    expect(offline.code, offline.out).toBe(0);
    rmSync(file);
  }, 120_000);

  it('refuses a client-made "$secret" marker and leaves the files of handlers as the only clear copies', async () => {
    const forged = await system.api.post('/pipelines/secrets-e2e/runs', {
      params: { token: { $secret: 'sha256:00' }, markets: ['LU'] },
    });
    expect(forged.status).toBe(400);
    expect(forged.body.error.message).toContain('/params/token');
    expect(readdirSync(handlers.dir).sort()).toEqual(['secret-handlers.mjs', 'seen-consolidate.json', 'seen-use.json']);
  });
});
