import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, launchChromium } from '../support/browser.js';
import { ROOT, TributarySystem } from '../support/tributary-system.js';

const UI_LIVE = readFileSync(new URL('./fixtures/ui-live.yaml', import.meta.url), 'utf8');
const DEMO = readFileSync(`${ROOT}examples/search-quality/pipeline.yaml`, 'utf8');
const RUN_URL = /\/runs\/([0-9a-f-]{36})(\?.*)?$/;
/** `TRIBUTARY_SCREENSHOTS=docs npx vitest run e2e/web-ui.e2e.spec.ts` refreshes the README's screenshots. */
const SHOTS = process.env.TRIBUTARY_SCREENSHOTS;
const shoot = async (page: Page, name: string) => {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, name) });
};

/**
 * Issue #12: the web UI end to end in Debian's Chromium against the real services (separate processes,
 * own database and NATS prefix): log in, trigger the demo from the form, watch a run live, open a
 * failed instance's log, clear it after the dry-run preview, see the run finish and the action in the
 * audit timeline; a viewer sees no action and the api refuses it anyway; axe on every page.
 */
describe('web UI: the grid, live, with operator actions (issue #12)', () => {
  let system: TributarySystem;
  let browser: Browser;
  let context: BrowserContext;
  let base: string;
  let token: string;

  beforeAll(async () => {
    system = await TributarySystem.start({
      executorHosts: [
        {
          name: 'host-ui',
          executors: [
            'generate-queries',
            'search',
            'judge',
            'ner-diff',
            'report',
            'sleep',
            'list',
            'noop',
            'flaky',
          ],
          concurrency: 32,
        },
      ],
    });
    await system.applyPipeline(DEMO);
    await system.applyPipeline(UI_LIVE);
    base = system.api.baseUrl;
    token = system.env.TRIBUTARY_API_TOKEN!;
    browser = await launchChromium();
    // axe is injected as a script: the app's Content-Security-Policy would refuse it.
    context = await browser.newContext({ bypassCSP: true, viewport: { width: 1400, height: 900 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  }, 60_000);

  const rowOf = (page: Page, group: string) =>
    page.locator('table.grid tbody tr', { has: page.locator(`span[title="${group}"]`) });

  it('logs in with a token, triggers the demo from the generated form and shows every group green', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('API token').waitFor();
    await expectAccessible(page, 'the login page');
    await page.getByLabel('API token').fill('trb_0000000000000000_not-a-real-token-at-all-000000000000000');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('unknown, expired or revoked token');
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    await expectAccessible(page, 'the runs page');

    await page.getByRole('link', { name: 'Pipelines' }).click();
    await page.getByRole('link', { name: 'search-quality' }).click();
    await page.getByRole('heading', { name: 'Trigger a run' }).waitFor();
    await expectAccessible(page, 'the pipeline page');
    for (const market of ['LU', 'PT', 'GR']) await page.getByLabel(market, { exact: true }).check();
    await page.getByLabel(/Idempotency key/).fill('ui-demo-1');
    await page.getByRole('button', { name: 'Trigger' }).click();
    await page.waitForURL(RUN_URL);
    const runId = RUN_URL.exec(page.url())![1]!;

    await page.locator('[data-testid="run-grid"][data-ready="true"]').waitFor();
    for (const market of ['LU', 'PT', 'GR'])
      await rowOf(page, `market=${market}`)
        .locator('.badge', { hasText: 'success' })
        .waitFor({ timeout: 60_000 });
    await page.locator('.run-head .badge', { hasText: 'success' }).waitFor({ timeout: 60_000 });
    const view = (await system.api.get(`/runs/${runId}`)).body;
    expect(view.run).toMatchObject({
      state: 'success',
      instances: 82,
      params: { markets: ['LU', 'PT', 'GR'] },
    });
    // The idempotency key from the form reached the api: the same key answers the same run.
    const again = await system.api.post('/pipelines/search-quality/runs', {
      params: { markets: ['LU', 'PT', 'GR'] },
      idempotencyKey: 'ui-demo-1',
    });
    expect(again.body.runId).toBe(runId);
    // The mapped cells show their count: 12 queries per market.
    await expect
      .poll(() => rowOf(page, 'market=LU').locator('button.cell .count').first().textContent())
      .toBe('12');
    await expectAccessible(page, 'the run grid');

    // The runs page's time window is the api's filter: a window that ends before the run leaves it out.
    const localTime = (ms: number) =>
      page.evaluate((t) => {
        const d = new Date(t);
        const p = (n: number) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
      }, ms);
    const created = Date.parse(view.run.createdAt);
    await page.goto(`${base}/runs?since=${await localTime(created - 120_000)}`);
    await page.getByRole('link', { name: runId.slice(0, 8) }).waitFor();
    expect(await page.getByLabel('Since').inputValue()).toBe(await localTime(created - 120_000));
    await page.goto(`${base}/runs?until=${await localTime(created - 60_000)}`);
    await page.getByText('No runs match.').waitFor();
    expect(await page.getByRole('link', { name: runId.slice(0, 8) }).count()).toBe(0);
    await page.close();
  }, 120_000);

  it('follows a run live, opens the failed instance and its log, clears it after the dry run, and the run finishes', async () => {
    const trigger = await system.api.post('/pipelines/ui-live/runs', {
      params: { markets: ['LU', 'PT', 'GR'], flakyMarkets: ['GR'], warmUpMs: 3000 },
    });
    expect(trigger.status).toBe(202);
    const runId: string = trigger.body.runId;
    const page = await context.newPage();
    // A link with the token in its fragment logs in by itself (what `tributary dev` and the demo print).
    await page.goto(`${base}/runs/${runId}#token=${encodeURIComponent(token)}`);
    await page.locator('[data-testid="run-grid"][data-ready="true"]').waitFor();
    expect(page.url()).not.toContain('token=');
    await page.evaluate(() => ((globalThis as unknown as { sameDocument: boolean }).sameDocument = true));
    // Seen while it runs, then updated in place from the SSE stream (no reload: the marker survives).
    await page.locator('.live', { hasText: 'live' }).waitFor({ timeout: 10_000 });
    await rowOf(page, 'market=GR').locator('.badge', { hasText: 'failed' }).waitFor({ timeout: 60_000 });
    for (const market of ['LU', 'PT'])
      await rowOf(page, `market=${market}`)
        .locator('.badge', { hasText: 'success' })
        .waitFor({ timeout: 60_000 });
    expect(
      await page.evaluate(() => (globalThis as unknown as { sameDocument?: boolean }).sameDocument),
    ).toBe(true);
    await page.locator('.run-head', { hasText: 'partial' }).waitFor({ timeout: 30_000 });
    await page.locator('.consolidation').waitFor();
    await shoot(page, 'web-ui-grid.png');

    // A mapped cell: 25 instances as a stacked bar; its list is paged and virtualised.
    await page.getByRole('button', { name: 'market=LU · market/each: 25 success' }).click();
    const list = page.getByRole('list', { name: 'Task instances' });
    await list.getByRole('listitem').first().waitFor();
    expect(await list.getByRole('listitem').first().textContent()).toContain('[0]');
    await expectAccessible(page, 'the instance list');
    await page.getByRole('button', { name: 'Close the instance list' }).click();

    // The failed gate: its drawer shows the attempt's error and the log line the handler wrote.
    await page.getByRole('button', { name: 'market=GR · market/gate: 1 failed' }).click();
    await page.getByRole('list', { name: 'Task instances' }).getByRole('button', { name: 'gate' }).click();
    const drawer = page.getByTestId('task-drawer');
    await drawer.getByText('flaky: failing attempt 1 of the first 1').first().waitFor();
    await drawer.getByRole('log').getByText('failing on purpose').waitFor();
    await shoot(page, 'web-ui-drawer.png');
    await expectAccessible(page, 'the task drawer');

    await drawer.getByRole('button', { name: 'Clear…' }).click();
    const dialog = page.getByRole('dialog');
    const preview = dialog.getByTestId('dry-run-list');
    await preview.waitFor();
    const wouldReset = (await preview.getByRole('listitem').allTextContents()).sort();
    expect(wouldReset).toEqual(['consolidate', 'market=GR/gate', 'market=GR/report']);
    // The dry run changed nothing.
    expect(
      (await system.api.get(`/runs/${runId}/tasks/${encodeURIComponent('market=GR/gate')}`)).body.state,
    ).toBe('failed');
    await expectAccessible(page, 'the clear dialog');
    await dialog.getByLabel(/Reason/).fill('gate fixed, try again');
    await dialog.getByRole('button', { name: 'Clear', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });

    await page.locator('.run-head .badge', { hasText: 'success' }).waitFor({ timeout: 60_000 });
    await rowOf(page, 'market=GR').locator('.badge', { hasText: 'success' }).waitFor({ timeout: 60_000 });
    const view = (await system.api.get(`/runs/${runId}`)).body;
    expect(view.run).toMatchObject({ state: 'success', partial: false, failedGroups: [] });

    // The audit timeline shows the clear with its actor and reason, and the chain verifies in the browser.
    await page.getByRole('button', { name: 'Close the task instance' }).click();
    await page.getByRole('tab', { name: 'audit' }).click();
    // The list is virtualised: keep the operator and lifecycle events so the clear is on screen.
    await page.getByLabel(/operator and lifecycle events only/).check();
    const cleared = page.locator('.event-row', { hasText: 'TaskInstanceCleared' }).first();
    await cleared.waitFor();
    expect(await cleared.textContent()).toContain('gate fixed, try again');
    expect(await cleared.textContent()).toContain('bootstrap-admin');
    await page.getByRole('button', { name: 'Verify hash chain' }).click();
    await expect
      .poll(() => page.getByTestId('chain-status').textContent(), { timeout: 15_000 })
      .toMatch(/^chain ok: \d+ events/);
    await expectAccessible(page, 'the audit timeline');
    await shoot(page, 'web-ui-audit.png');

    for (const tab of ['graph', 'timeline']) {
      await page.getByRole('tab', { name: tab }).click();
      await page.getByRole('tabpanel', { name: tab }).waitFor();
      await expectAccessible(page, `the ${tab} tab`);
    }
    await page.close();
  }, 180_000);

  it('shows a viewer no action, and the api refuses the action anyway', async () => {
    const created = await system.api.post('/tokens', { name: 'ui-viewer', role: 'viewer' });
    expect(created.status).toBe(201);
    const viewerToken: string = created.body.token;
    const trigger = await system.api.post('/pipelines/ui-live/runs', {
      params: { markets: ['LU'], flakyMarkets: ['LU'], warmUpMs: 0 },
    });
    const runId: string = trigger.body.runId;
    await system.waitForRun(runId);

    const page = await context.newPage();
    await page.goto(`${base}/runs/${runId}#token=${encodeURIComponent(viewerToken)}`);
    await page.locator('[data-testid="run-grid"][data-ready="true"]').waitFor();
    await page.getByText('ui-viewer').waitFor();
    await rowOf(page, 'market=LU').locator('.badge', { hasText: 'failed' }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('button', { name: /Retry group/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    await page.getByRole('button', { name: 'market=LU · market/gate: 1 failed' }).click();
    await page.getByRole('list', { name: 'Task instances' }).getByRole('button', { name: 'gate' }).click();
    await page.getByTestId('task-drawer').getByRole('heading', { name: 'Attempts' }).waitFor();
    expect(await page.getByRole('button', { name: /^(Clear|Mark)/ }).count()).toBe(0);
    await page.goto(`${base}/pipelines/ui-live`);
    await page.getByRole('heading', { name: 'ui-live' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Trigger a run' }).count()).toBe(0);
    await expectAccessible(page, 'the pipeline page for a viewer');

    const refused = await page.evaluate(
      async ({ runId, viewerToken }) => {
        const res = await fetch(`/api/v1/runs/${runId}/clear`, {
          method: 'POST',
          headers: { authorization: `Bearer ${viewerToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ taskIds: ['market=LU/gate'] }),
        });
        return { status: res.status, body: (await res.json()) as { error: { code: string } } };
      },
      { runId, viewerToken },
    );
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect(
      (await system.api.get(`/runs/${runId}/tasks/${encodeURIComponent('market=LU/gate')}`)).body.state,
    ).toBe('failed');
    await page.close();
  }, 120_000);

  it("opens a run page under the api's own CSP: the inline early script may run, starts the login check, and the app does not ask again", async () => {
    const runId: string = (await system.api.get('/runs?limit=1')).body[0].id;
    const index = await fetch(`${base}/runs/${runId}`);
    const html = await index.text();
    const inline = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(inline, 'the built page starts with an inline script').toContain('/session');
    const hash = createHash('sha256').update(inline!, 'utf8').digest('base64');
    expect(index.headers.get('content-security-policy')).toContain(`script-src 'self' 'sha256-${hash}';`);
    // Hashed assets: cached for good, with their type; a name that is not there is a plain 404, not the app.
    const bundle = /src="(\/assets\/index-[^"]+\.js)"/.exec(html)![1]!;
    const script = await fetch(`${base}${bundle}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toContain('immutable');
    expect((await script.text()).length).toBeGreaterThan(10_000);
    for (const missing of ['/assets/index-gone.js', '/assets/sub%2Findex.html', '/assets/index.html'])
      expect((await fetch(`${base}${missing}`)).status, missing).toBe(404);

    const strict = await browser.newContext(); // no bypassCSP: the policy as a user's browser applies it
    try {
      const page = await strict.newPage();
      const refused: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) refused.push(m.text());
      });
      await page.goto(`${base}/runs/${runId}#token=${encodeURIComponent(token)}`);
      await page.locator('[data-testid="run-grid"][data-ready="true"]').waitFor();
      expect(refused).toEqual([]);
      const sessionRequests = await page.evaluate(
        () =>
          performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/api/v1/session')).length,
      );
      expect(sessionRequests).toBe(1);
    } finally {
      await strict.close();
    }
  }, 60_000);
});
