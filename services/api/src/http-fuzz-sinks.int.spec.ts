import { connect, type NatsConnection } from '@nats-io/transport-node';
import { isSubjectToken } from '@tributary/events';
import { encodeOperatorReply } from '@tributary/runtime';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startApiHarness, type ApiHarness } from './test-support/api-harness.js';

/**
 * Issue #8: whatever a request carries reaches SQL only as bound parameters and a NATS subject only as a
 * valid token. Every endpoint (stream, metrics and health included) is fuzzed with ids and values built to
 * break a query or a subject (quotes, `;`, `--`, `$1`, `.`, `*`, `>`, spaces, control characters, unicode,
 * 10 000 characters) and with hostile headers; a fake planner answers operator commands, so those travel.
 * Afterwards: the schema is untouched, every subject the api published on is made of valid tokens, and
 * nothing was answered 5xx. `FUZZ_RUNS=5000 npx vitest run --root services/api http-fuzz-sinks` fuzzes longer.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);

const breaker = fc.constantFrom(
  "x'; drop table runs; --",
  "' or '1'='1",
  '$1',
  '\\',
  '"',
  '%',
  '_',
  'a.b',
  'a.*',
  'a.>',
  '>',
  '*',
  'a b',
  '\t',
  '\u0001',
  '\u001b[2J',
  '\u2028',
  'ΩΣ😀',
  'x'.repeat(10_000),
);
const text = fc.oneof(
  breaker,
  fc.tuple(breaker, fc.string({ maxLength: 8 }), breaker).map((parts) => parts.join('')),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);
const enc = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return s;
  }
};
const json = (value: unknown): string => JSON.stringify(value);

interface FuzzRequest {
  method: string;
  path: string;
  body?: string;
}

const request: fc.Arbitrary<FuzzRequest> = fc.oneof(
  text.map((id) => ({ method: 'GET', path: `/runs/${enc(id)}/stream` })),
  text.map((id) => ({ method: 'GET', path: `/runs/${enc(id)}` })),
  text.map((id) => ({ method: 'GET', path: `/runs/${enc(id)}/events?after=0` })),
  fc
    .tuple(text, text)
    .map(([id, task]) => ({ method: 'GET', path: `/runs/${enc(id)}/tasks/${enc(task)}/logs` })),
  text.map((v) => ({ method: 'GET', path: `/runs?pipeline=${enc(v)}` })),
  text.map((v) => ({ method: 'GET', path: `/pipelines/${enc(v)}` })),
  text.map((v) => ({ method: 'GET', path: `/metrics?${enc(v)}=1` })),
  fc.constant({ method: 'GET', path: '/healthz' }),
  fc.tuple(text, text).map(([id, key]) => ({
    method: 'POST',
    path: `/pipelines/${enc(id)}/runs`,
    body: json({ params: { markets: [key] }, idempotencyKey: key }),
  })),
  text.map((key) => ({
    method: 'POST',
    path: '/pipelines/shipping/runs',
    body: json({ params: { markets: [key], [key]: key }, idempotencyKey: key }),
  })),
  fc
    .tuple(text, text, fc.constantFrom('clear', 'cancel', 'mark', 'groups/retry'))
    .map(([id, value, action]) => ({
      method: 'POST',
      path: `/runs/${enc(id)}/${action}`,
      body: json(
        action === 'clear'
          ? { taskIds: [value], reason: value, dryRun: value.length % 2 === 0 }
          : action === 'groups/retry'
            ? { group: value, reason: value }
            : action === 'mark'
              ? { taskId: value, state: 'failed', reason: value }
              : { reason: value },
      ),
    })),
  text.map((name) => ({ method: 'POST', path: '/tokens', body: json({ name, role: 'viewer' }) })),
  text.map((t) => ({
    method: 'POST',
    path: '/pipelines',
    body: `id: ${json(t)}\nstages:\n  - { id: a, executor: ${json(t)}, with: { k: ${json(t)} } }\n`,
  })),
);
/** Printable header values only: fetch itself refuses the others before anything is sent. */
const headerText = text.map((t) => t.replace(/[^\u0020-\u007e]/g, '?').slice(0, 4000));
const headers = fc.record(
  {
    authorization: fc.oneof(
      fc.constant(`Bearer ${ADMIN_TOKEN}`),
      headerText.map((t) => `Bearer ${t}`),
      headerText,
    ),
    'content-type': fc.oneof(
      fc.constant('application/json'),
      fc.constantFrom('application/yaml', 'text/plain', 'application/json; charset=latin1', '*/*'),
      headerText,
    ),
    accept: headerText,
  },
  { requiredKeys: ['authorization'] },
);

describe('api: hostile values reach SQL and NATS subjects only as data (issue #8)', () => {
  let h: ApiHarness;
  let nc: NatsConnection;
  const subjects = new Set<string>();

  const tables = async () =>
    (
      await sql<{
        tablename: string;
      }>`select tablename from pg_tables where schemaname = current_schema() order by 1`.execute(
        h.api.infra.db,
      )
    ).rows.map((row) => row.tablename);

  beforeAll(async () => {
    h = await startApiHarness();
    nc = await connect({ servers: h.nats.url });
    nc.subscribe(`${h.nats.prefix}.>`, { callback: (_error, msg) => void subjects.add(msg.subject) });
    // A fake planner: every operator command is answered "unknown task", as a planner would for these.
    nc.subscribe(`${h.nats.prefix}.control.*`, {
      callback: (_error, msg) =>
        void msg.respond(
          encodeOperatorReply({ ok: false, error: { code: 'unknown_task', message: 'no such task' } }),
        ),
    });
    await nc.flush();
    const applied = await h.call('POST', '/pipelines', {
      body: 'id: shipping\nparams: { type: object }\nstages:\n  - { id: only, executor: noop }\n',
      contentType: 'application/yaml',
    });
    expect(applied.status).toBe(201);
  });
  afterAll(async () => {
    await nc?.close();
    await h?.close();
  });

  it('answers below 500 with a message, leaves the schema alone and publishes only on valid subjects', async () => {
    const before = await tables();
    await fc.assert(
      fc.asyncProperty(request, headers, async (r, hdrs) => {
        const { authorization, ...rest } = hdrs;
        const answer = await h.call(r.method, r.path, {
          token: null,
          headers: { authorization, ...rest },
          ...(r.body !== undefined
            ? { body: r.body, contentType: hdrs['content-type'] ?? 'application/json' }
            : {}),
        });
        const what = `${r.method} ${r.path.slice(0, 160)} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
        expect(answer.status, what).toBeLessThan(500);
        if (answer.status >= 400) expect(answer.body?.error?.message?.length, what).toBeGreaterThan(5);
      }),
      { seed: 8, numRuns: RUNS },
    );
    expect(await tables()).toEqual(before);
    const listed = await h.call('GET', '/runs?limit=1000');
    expect(listed.status).toBe(200);
    await nc.flush();
    expect(subjects.size).toBeGreaterThan(0);
    for (const subject of subjects) {
      expect(subject.startsWith(`${h.nats.prefix}.`), subject).toBe(true);
      const tokens = subject.slice(h.nats.prefix.length + 1).split('.');
      for (const token of tokens) expect(isSubjectToken(token), subject).toBe(true);
    }
  }, 180_000);
});
