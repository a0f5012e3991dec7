import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { WatchedRun } from '../contenders/contender.js';
import { percentile } from './stats.js';

/** Debian's Chromium, as the web UI's e2e tests use it (TRIBUTARY_CHROMIUM overrides). */
export const CHROMIUM = process.env.TRIBUTARY_CHROMIUM ?? '/usr/bin/chromium';

/** No sandbox (the bench runs as root), no GPU, no background calls to Google. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** The contract the web UI follows: its grid says `data-ready="true"` once its cells are drawn. */
const READY_GRID = '[data-testid="run-grid"][data-ready="true"]';

/** A page that never shows its grid is a failure, not a figure. */
const OPEN_TIMEOUT_MS = 30_000;

/** How the page kept up while the run went on. */
export interface Responsiveness {
  /** `page.evaluate` round trips, one every ROUND_TRIP_EVERY_MS: waits for the page's main thread. */
  roundTripsMs: number[];
  /** Main-thread tasks over 50 ms (PerformanceObserver 'longtask'). */
  longTasks: number;
  longTaskMs: number;
  /** Largest delay of a 50 ms timer inside the page: how long the page could not react. */
  maxTimerLagMs: number;
}

const ROUND_TRIP_EVERY_MS = 100;

/**
 * Why the browser part cannot run here (no Chromium, or the api does not serve the web UI at `/`), or
 * null when it can.
 */
export async function browserUnavailable(apiUrl: string): Promise<string | null> {
  if (!existsSync(CHROMIUM)) return `no browser: no Chromium at ${CHROMIUM}`;
  const response = await fetch(`${apiUrl}/`);
  await response.arrayBuffer();
  const type = response.headers.get('content-type') ?? '';
  if (response.status !== 200 || !type.startsWith('text/html'))
    return `no UI: GET / answered ${response.status} ${type || '(no content type)'}`;
  return null;
}

/** Headless Chromium opening the web UI's run page. */
export class GridBrowser {
  private constructor(private readonly browser: Browser) {}

  static async launch(): Promise<GridBrowser> {
    return new GridBrowser(
      await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true }),
    );
  }

  /**
   * Opens `/runs/<id>` as a new visitor (fresh context: no cache, no session; the token in the fragment
   * logs in) and returns the ms from `goto` to the grid drawn.
   */
  async openGrid(run: WatchedRun): Promise<number> {
    const context = await this.browser.newContext();
    try {
      const page = await context.newPage();
      const started = performance.now();
      await this.gotoGrid(page, run);
      return performance.now() - started;
    } finally {
      await context.close();
    }
  }

  /** Opens the grid, then watches the page's main thread for `windowMs` while the run goes on. */
  async responsiveness(run: WatchedRun, windowMs: number): Promise<Responsiveness> {
    const context = await this.browser.newContext();
    try {
      const page = await context.newPage();
      await this.gotoGrid(page, run);
      await page.evaluate(() => {
        const w = globalThis as unknown as { benchLongTasks: number[]; benchTimerLag: number };
        w.benchLongTasks = [];
        w.benchTimerLag = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) w.benchLongTasks.push(entry.duration);
          // This runs in the page; Node's types do not know the browser's 'longtask' entries.
        }).observe({ entryTypes: ['longtask' as never] });
        let expected = performance.now() + 50;
        setInterval(() => {
          const now = performance.now();
          w.benchTimerLag = Math.max(w.benchTimerLag, now - expected);
          expected = now + 50;
        }, 50);
      });
      const roundTripsMs: number[] = [];
      const until = performance.now() + windowMs;
      while (performance.now() < until) {
        const sent = performance.now();
        await page.evaluate(() => 0);
        roundTripsMs.push(performance.now() - sent);
        await new Promise((resolve) => setTimeout(resolve, ROUND_TRIP_EVERY_MS));
      }
      const { longTasks, timerLag } = await page.evaluate(() => {
        const w = globalThis as unknown as { benchLongTasks: number[]; benchTimerLag: number };
        return { longTasks: w.benchLongTasks, timerLag: w.benchTimerLag };
      });
      return {
        roundTripsMs,
        longTasks: longTasks.length,
        longTaskMs: longTasks.reduce((a, b) => a + b, 0),
        maxTimerLagMs: timerLag,
      };
    } finally {
      await context.close();
    }
  }

  async close(): Promise<void> {
    await this.browser.close();
  }

  private async gotoGrid(page: Page, run: WatchedRun): Promise<void> {
    const url = `${run.apiUrl}/runs/${encodeURIComponent(run.runId)}#token=${encodeURIComponent(run.token)}`;
    await page.goto(url, { timeout: OPEN_TIMEOUT_MS });
    await page.locator(READY_GRID).waitFor({ state: 'visible', timeout: OPEN_TIMEOUT_MS });
  }
}

/** p95 of the round trips, ms (NaN when none). */
export const roundTripP95 = (r: Responsiveness): number => percentile(r.roundTripsMs, 95);
