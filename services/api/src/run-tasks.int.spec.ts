import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from './test-support/api-harness.js';
import { insertFakeRun, RUN } from './test-support/fake-run.js';

describe("api: a run's task instances, paged, and its grid", () => {
  let h: ApiHarness;
  let viewer: string;

  beforeAll(async () => {
    h = await startApiHarness();
    viewer = await h.tokenFor('viewer');
    await insertFakeRun(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  const CONSOLIDATE = {
    taskId: 'consolidate',
    stage: 'consolidate',
    group: null,
    mapIndex: null,
    label: null,
    state: 'pending',
    attempt: 0,
    error: null,
    startedAt: null,
    finishedAt: null,
  };
  const FETCH = {
    taskId: 'market=LU/fetch',
    stage: 'market/fetch',
    group: 'market=LU',
    mapIndex: null,
    label: null,
    state: 'success',
    attempt: 1,
    error: null,
    startedAt: '2024-05-01T10:00:01.000Z',
    finishedAt: '2024-05-01T10:00:02.000Z',
  };
  const PROCESS_0 = {
    taskId: 'market=LU/process[0]',
    stage: 'market/process',
    group: 'market=LU',
    mapIndex: 0,
    label: null,
    state: 'failed',
    attempt: 3,
    error: { message: 'boom', type: 'Error', retryable: false },
    startedAt: '2024-05-01T10:00:03.000Z',
    finishedAt: '2024-05-01T10:00:04.000Z',
  };
  const PROCESS_1 = {
    taskId: 'market=LU/process[1]',
    stage: 'market/process',
    group: 'market=LU',
    mapIndex: 1,
    label: null,
    state: 'running',
    attempt: 2,
    error: null,
    startedAt: '2024-05-01T10:00:05.000Z',
    finishedAt: null,
  };

  it('pages the instances in task id order, without outputs unless asked, and follows the cursor to the end', async () => {
    const all = await h.call('GET', `/runs/${RUN}/tasks`, { token: viewer });
    expect(all.status).toBe(200);
    expect(all.body).toStrictEqual({ tasks: [CONSOLIDATE, FETCH, PROCESS_0, PROCESS_1], nextCursor: null });

    const seen: unknown[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { body: { tasks: unknown[]; nextCursor: string | null } } = await h.call(
        'GET',
        `/runs/${RUN}/tasks?limit=3&outputs=true${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { token: viewer },
      );
      seen.push(...page.body.tasks);
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(2);
    expect(seen).toStrictEqual([
      { ...CONSOLIDATE, output: null },
      { ...FETCH, output: [0, 1] },
      { ...PROCESS_0, output: null },
      { ...PROCESS_1, output: null },
    ]);
  });

  it('filters instances by state (comma list), group (- = outside any group) and stage', async () => {
    const get = async (qs: string) =>
      (await h.call('GET', `/runs/${RUN}/tasks?${qs}`, { token: viewer })).body;
    expect((await get('state=failed,running')).tasks).toStrictEqual([PROCESS_0, PROCESS_1]);
    expect((await get('group=-')).tasks).toStrictEqual([CONSOLIDATE]);
    expect((await get('group=market%3DLU&stage=market%2Ffetch')).tasks).toStrictEqual([FETCH]);
    expect((await get('group=market%3DPT')).tasks).toStrictEqual([]);
  });

  it('answers one instance with its output, and precise 400s and 404s', async () => {
    const one = await h.call('GET', `/runs/${RUN}/tasks/${encodeURIComponent('market=LU/fetch')}`, {
      token: viewer,
    });
    expect(one.status).toBe(200);
    expect(one.body).toStrictEqual({ ...FETCH, output: [0, 1] });
    const missing = await h.call('GET', `/runs/${RUN}/tasks/nope`, { token: viewer });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe(
      `run ${RUN} has no task instance nope (task ids are URL-encoded in the path)`,
    );
    expect((await h.call('GET', '/runs/not-yet/tasks', { token: viewer })).status).toBe(404);

    const badState = await h.call('GET', `/runs/${RUN}/tasks?state=failed,broken`, { token: viewer });
    expect(badState.status).toBe(400);
    expect(badState.body.error.details).toEqual([
      {
        path: '?state',
        message: expect.stringContaining('unknown task state "broken"; states are pending,'),
      },
    ]);
    const badCursor = await h.call('GET', `/runs/${RUN}/tasks?cursor=%21%21`, { token: viewer });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.details[0].path).toBe('?cursor');
    const tooMany = await h.call('GET', `/runs/${RUN}/tasks?limit=10001`, { token: viewer });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toContain('?limit: must be an integer from 1 to 10000');
  });

  it('answers the grid: instances per group × stage × state', async () => {
    const grid = await h.call('GET', `/runs/${RUN}/grid`, { token: viewer });
    expect(grid.status).toBe(200);
    expect(grid.body).toStrictEqual([
      { group: null, stage: 'consolidate', counts: { pending: 1 } },
      { group: 'market=LU', stage: 'market/fetch', counts: { success: 1 } },
      { group: 'market=LU', stage: 'market/process', counts: { failed: 1, running: 1 } },
    ]);
    expect((await h.call('GET', '/runs/not-yet/grid', { token: viewer })).status).toBe(404);
  });
});
