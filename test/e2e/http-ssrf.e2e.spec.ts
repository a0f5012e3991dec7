import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TributarySystem } from '../support/tributary-system.js';

/** Put where a viewer could read it if the built-in echoed it: a header value and a query value. */
const SECRET = 'sk-e2e-9f8e7d6c5b4a';

const PIPELINE = `
id: http-ssrf
params:
  type: object
  required: [url]
  properties:
    url: { type: string }
defaults: { retries: 2, retryDelay: 100ms }
stages:
  - id: call
    executor: http
    with:
      url: '\${{ params.url }}'
      headers: { x-api-key: '${SECRET}' }
`;

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Listening {
  server: Server;
  base: string;
  requests: IncomingMessage[];
}

async function listen(
  host: string,
  redirectTo?: (req: IncomingMessage) => string | undefined,
): Promise<Listening> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    const location = redirectTo?.(req);
    res.writeHead(location ? 302 : 200, location ? { location } : { 'content-type': 'application/json' });
    res.end(location ? '' : JSON.stringify({ reached: host }));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, base: `http://${host}:${(server.address() as AddressInfo).port}`, requests };
}

/**
 * The `http` built-in on a real executor host (issue #10 item 3): 127.0.0.1 and 169.254.169.254 are
 * refused, directly and behind a redirect from an allowed server (127.0.0.2, in TRIBUTARY_HTTP_ALLOW),
 * without retry and without the header or query values in the recorded error.
 */
describe('the http built-in refuses internal addresses (SSRF)', () => {
  let system: TributarySystem;
  let internal: Listening;
  let allowed: Listening;

  beforeAll(async () => {
    internal = await listen('127.0.0.1');
    allowed = await listen(
      '127.0.0.2',
      (req) => new URL(req.url ?? '/', 'http://x').searchParams.get('to') ?? undefined,
    );
    system = await TributarySystem.start({
      executorHosts: [{ name: 'host', executors: ['http'] }],
      handlers: [],
      env: { TRIBUTARY_HTTP_ALLOW: '127.0.0.2/32' },
    });
    await system.applyPipeline(PIPELINE);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    for (const { server } of [internal, allowed].filter(Boolean)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);

  const failuresOf = async (runId: string) =>
    (
      await system.db
        .selectFrom('event_log')
        .select(['payload'])
        .where('run_id', '=', runId)
        .where('type', '=', 'TaskInstanceFailed')
        .orderBy('seq')
        .execute()
    ).map((row) => (row.payload as { error: Record<string, unknown> }).error);

  async function run(url: string): Promise<{ view: any; runId: string }> {
    const trigger = await system.api.post('/pipelines/http-ssrf/runs', { params: { url } });
    expect(trigger.status).toBe(202);
    const runId: string = trigger.body.runId;
    return { view: await system.waitForRun(runId, 60_000), runId };
  }

  it.each([
    ['127.0.0.1', () => `${internal.base}/admin?token=${SECRET}`, 'a loopback address'],
    [
      '169.254.169.254',
      () => 'http://169.254.169.254/latest/meta-data/',
      'a link-local address (cloud metadata endpoints live there)',
    ],
    [
      'a redirect to 127.0.0.1',
      () => `${allowed.base}/go?to=${encodeURIComponent(`${internal.base}/admin?token=${SECRET}`)}`,
      'a loopback address',
    ],
    [
      'a redirect to 169.254.169.254',
      () => `${allowed.base}/go?to=${encodeURIComponent('http://169.254.169.254/')}`,
      'a link-local address (cloud metadata endpoints live there)',
    ],
  ])(
    'refuses %s once, without retry, and records no secret',
    async (_name, url, reason) => {
      const { view, runId } = await run(url());
      expect(view.run.state, system.logs()).toBe('failed');
      const failures = await failuresOf(runId);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({
        type: 'HttpError',
        retryable: false,
        message: expect.stringMatching(
          new RegExp(` is ${escaped(reason)}; list it in TRIBUTARY_HTTP_ALLOW to allow it$`),
        ),
      });
      expect(JSON.stringify(failures)).not.toContain(SECRET);
      expect(internal.requests).toHaveLength(0);
    },
    90_000,
  );

  it('reaches what TRIBUTARY_HTTP_ALLOW lists', async () => {
    const { view } = await run(`${allowed.base}/ok`);
    expect(view.run.state, system.logs()).toBe('success');
    const call = view.tasks.find((t: { taskId: string }) => t.taskId === 'call');
    expect(call?.output ?? null, JSON.stringify(view.tasks)).toEqual({ reached: '127.0.0.2' });
  }, 90_000);
});
