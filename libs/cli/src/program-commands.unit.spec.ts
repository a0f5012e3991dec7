import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunView } from './api/types.js';
import { runViewOfTasks } from './test-support.js';
import { cli, removeTempDirs, tempDir } from './program.fixture.js';

afterAll(removeTempDirs);

/** A stand-in for the api: routes answer from a table; requests are recorded. */
describe('commands against an api', () => {
  let server: Server;
  let url = '';
  const requests: { method: string; path: string; auth: string | undefined; body: string }[] = [];
  let routes: Record<string, (body: string) => [number, unknown]> = {};

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const path = req.url!.replace(/^\/api\/v1/, '');
        requests.push({ method: req.method!, path, auth: req.headers.authorization, body });
        const route = routes[`${req.method} ${path}`];
        const [status, payload] = route
          ? route(body)
          : [404, { error: { code: 'not_found', message: `no route ${path}` } }];
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    requests.length = 0;
    routes = {};
  });
  const env = () => ({ TRIBUTARY_API_URL: url, TRIBUTARY_API_TOKEN: 'tok' });

  const runView = (state: string, taskState: string): RunView =>
    runViewOfTasks(
      { id: 'r1', pipeline: 'p', version: 1, state, params: { markets: ['LU'] } },
      [{ path: 'market=LU', state: state === 'running' ? 'running' : state }],
      [
        {
          taskId: 'market=LU/generate',
          stage: 'market/generate',
          group: 'market=LU',
          mapIndex: null,
          label: null,
          state: taskState,
          attempt: 1,
          output: null,
          error:
            taskState === 'failed'
              ? { message: 'no catalog for LU', type: 'FatalError', retryable: false }
              : null,
          startedAt: null,
          finishedAt: null,
        },
      ],
    );

  /**
   * The api's answers for a run: `GET /runs/r1` (the summary: no instances) from `answer`, and its
   * instances (`GET /runs/r1/tasks`, one page) from the last summary served.
   */
  const serveRun = (answer: () => [number, unknown]): void => {
    let last: RunView | null = null;
    routes['GET /runs/r1'] = () => {
      const [status, body] = answer();
      if (status !== 200) return [status, body];
      last = body as RunView;
      const { tasks, ...summary } = last;
      // As the api: each group with its instances counted per state, nested groups included.
      const groups = summary.groups.map((g) => {
        const counts: Record<string, number> = {};
        for (const t of tasks)
          if (t.group === g.path || t.group?.startsWith(`${g.path}/`))
            counts[t.state] = (counts[t.state] ?? 0) + 1;
        return { ...g, counts };
      });
      const counts: Record<string, number> = {};
      for (const t of tasks) counts[t.state] = (counts[t.state] ?? 0) + 1;
      return [200, { ...summary, groups, run: { ...summary.run, instances: tasks.length, counts } }];
    };
    const page =
      (outputs: boolean, keep: (t: RunView['tasks'][number]) => boolean = () => true) =>
      (): [number, unknown] => [
        200,
        {
          tasks: last!.tasks.filter(keep).map(({ output, ...t }) => (outputs ? { ...t, output } : t)),
          nextCursor: null,
        },
      ];
    routes['GET /runs/r1/tasks?limit=10000'] = page(false);
    routes['GET /runs/r1/tasks?limit=10000&outputs=true'] = page(true);
    routes['GET /runs/r1/tasks?group=-&limit=10000'] = page(false, (t) => t.group === null);
    routes['GET /runs/r1/tasks?state=failed,cancelled&limit=11'] = page(
      false,
      (t) => t.state === 'failed' || t.state === 'cancelled',
    );
  };

  it('pipelines apply prints each problem as file:line:column path: message (exit 1)', async () => {
    routes['POST /pipelines'] = () => [
      422,
      {
        error: {
          code: 'invalid_spec',
          message: 'pipeline spec is invalid',
          details: [{ path: '/stages/0/bogus', message: 'unknown key "bogus"', line: 5, column: 5 }],
        },
      },
    ];
    const file = join(tempDir(), 'bad.yaml');
    writeFileSync(file, 'id: p\nstages: []\n');
    const { code, err } = await cli(['pipelines', 'apply', file], env());
    expect(code).toBe(1);
    expect(err.split('\n')).toContain(`${file}:5:5 /stages/0/bogus: unknown key "bogus"`);
    expect(requests[0]).toMatchObject({
      method: 'POST',
      path: '/pipelines',
      auth: 'Bearer tok',
      body: 'id: p\nstages: []\n',
    });
  });

  it('executors says how to start a host when none is live, and --json prints the answer as is', async () => {
    const body = { hosts: [], executors: {} };
    routes['GET /executors'] = () => [200, body];
    const { code, out } = await cli(['executors'], env());
    expect(code).toBe(0);
    expect(out).toBe(
      'no executor host or consolidator is running: start one with `tributary start executor --handlers <module>`\n',
    );
    const json = await cli(['executors', '--json'], env());
    expect(JSON.parse(json.out)).toEqual(body);
  });

  it('runs trigger prints the run id and sends params and idempotency key', async () => {
    routes['POST /pipelines/p/runs'] = () => [202, { runId: 'r1' }];
    const { code, out } = await cli(
      ['runs', 'trigger', 'p', '--params', '{"markets":["LU"]}', '--idempotency-key', 'k1'],
      env(),
    );
    expect([code, out]).toEqual([0, 'r1\n']);
    expect(JSON.parse(requests[0]!.body)).toEqual({ params: { markets: ['LU'] }, idempotencyKey: 'k1' });
  });

  it('runs trigger shows the api’s refusal with its details (exit 1)', async () => {
    routes['POST /pipelines/p/runs'] = () => [
      422,
      {
        error: {
          code: 'invalid_params',
          message: 'params do not match',
          details: [{ path: '/params/markets', message: 'is required' }],
        },
      },
    ];
    const { code, err } = await cli(['runs', 'trigger', 'p', '--params', '{}'], env());
    expect([code, err]).toEqual([
      1,
      'error: invalid_params: params do not match\n  /params/markets: is required\n',
    ]);
  });

  it('runs trigger --wait follows the run (404 until planned) and exits 0 on success', async () => {
    let polls = 0;
    routes['POST /pipelines/p/runs'] = () => [202, { runId: 'r1' }];
    serveRun(() => {
      polls += 1;
      if (polls === 1) return [404, { error: { code: 'not_found', message: 'not yet' } }];
      return [200, polls === 2 ? runView('running', 'running') : runView('success', 'success')];
    });
    const { code, out } = await cli(
      ['runs', 'trigger', 'p', '--params', '{"markets":["LU"]}', '--wait'],
      env(),
    );
    expect(code).toBe(0);
    expect(out).toMatch(
      /^run r1 triggered \(pipeline p\)\nmarket=LU running 0\/1\nmarket=LU success 1\/1\nrun r1 success in \d/,
    );
  });

  it('runs trigger --wait exits 1 when the run failed, naming the failed task', async () => {
    routes['POST /pipelines/p/runs'] = () => [202, { runId: 'r1' }];
    serveRun(() => [200, runView('failed', 'failed')]);
    const { code, out } = await cli(['runs', 'trigger', 'p', '--wait'], env());
    expect(code).toBe(1);
    expect(out).toContain('market=LU failed 1/1 (1 failed)');
    expect(out).toContain('  market=LU/generate failed (attempt 1): no catalog for LU');
  });

  it('runs show --json prints the run view exactly; without --json a table', async () => {
    const view = runView('success', 'success');
    serveRun(() => [200, view]);
    const json = await cli(['runs', 'show', 'r1', '--json'], env());
    // The summary and every instance with its output: the run view as it was before paging.
    expect(JSON.parse(json.out)).toEqual({
      ...view,
      run: { ...view.run, instances: 1, counts: { success: 1 } },
      groups: [{ ...view.groups[0], counts: { success: 1 } }],
    });
    expect(requests.map((r) => r.path)).toEqual(['/runs/r1', '/runs/r1/tasks?limit=10000&outputs=true']);
    const text = await cli(['runs', 'show', 'r1'], env());
    expect(text.out).toContain('market=LU/generate  success    1');
  });

  it('tasks clear sends the selectors as given, warns without downstream, and prints the instances the api names', async () => {
    routes['POST /runs/r1/clear'] = () => [
      200,
      { ok: true, dryRun: false, cleared: ['market=LU/retrieve[3]', 'market=PT/retrieve[3]'] },
    ];
    const { code, out, err } = await cli(
      ['tasks', 'clear', 'r1', 'retrieve[3]', '--no-downstream', '--reason', 'flaky'],
      env(),
    );
    expect(code).toBe(0);
    expect(JSON.parse(requests[0]!.body)).toEqual({
      taskIds: ['retrieve[3]'],
      downstream: false,
      onlyFailed: false,
      reason: 'flaky',
      dryRun: false,
    });
    expect(err).toMatch(/^warning: --no-downstream: descendants that are upstream_failed stay as they are/);
    expect(out).toBe('cleared 2 task instances:\n  market=LU/retrieve[3]\n  market=PT/retrieve[3]\n');
  });

  it('tasks clear --state (comma-separated and repeated) --dry-run sends the states, no reason, and says nothing changed', async () => {
    routes['POST /runs/r1/clear'] = () => [200, { ok: true, dryRun: true, cleared: ['market=GR/evaluate'] }];
    const { code, out } = await cli(
      [
        'tasks',
        'clear',
        'r1',
        '*/evaluate',
        '--state',
        'failed,upstream_failed',
        '--state',
        'failed',
        '--dry-run',
        '--wait',
      ],
      env(),
    );
    expect(code).toBe(0);
    expect(JSON.parse(requests[0]!.body)).toEqual({
      taskIds: ['*/evaluate'],
      downstream: true,
      onlyFailed: false,
      states: ['failed', 'upstream_failed'],
      dryRun: true,
    });
    expect(out).toBe('dry run, nothing changed: would clear 1 task instance:\n  market=GR/evaluate\n');
    expect(requests).toHaveLength(1); // --wait does not follow a dry run
    const bad = await cli(['tasks', 'clear', 'r1', 'x', '--state', 'broken'], env());
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("'broken' is not a task state");
  });

  it('groups retry posts the group and prints the instances; --json prints the reply', async () => {
    const reply = {
      ok: true,
      dryRun: false,
      group: 'market=GR',
      cleared: ['consolidate', 'market=GR/generate'],
    };
    routes['POST /runs/r1/groups/retry'] = () => [200, reply];
    const { code, out } = await cli(
      ['groups', 'retry', 'r1', 'market=GR', '--reason', 'vendor fixed'],
      env(),
    );
    expect(code).toBe(0);
    expect(JSON.parse(requests[0]!.body)).toEqual({
      group: 'market=GR',
      reason: 'vendor fixed',
      dryRun: false,
    });
    expect(out).toBe('cleared 2 task instances:\n  consolidate\n  market=GR/generate\n');
    const json = await cli(['groups', 'retry', 'r1', 'market=GR', '--json'], env());
    expect(JSON.parse(json.out)).toEqual(reply);
    expect(JSON.parse(requests[1]!.body)).toEqual({ group: 'market=GR', dryRun: false });
  });

  it('logs url-encodes the task id', async () => {
    routes['GET /runs/r1/tasks/market%3DLU%2Fretrieve%5B3%5D/logs?attempt=2'] = () => [
      200,
      [
        {
          attempt: 2,
          at: '2024-06-11T10:00:00.000Z',
          level: 'info',
          message: 'searched',
          fields: { hits: 10 },
        },
      ],
    ];
    const { code, out } = await cli(['logs', 'r1', 'market=LU/retrieve[3]', '--attempt', '2'], env());
    expect([code, out]).toEqual([0, '2024-06-11T10:00:00.000Z #2 info  searched {"hits":10}\n']);
  });
});
