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

/** The binding through which the page says when it drew the grid. */
const DRAWN_BINDING = '__benchGridDrawn';

const gridUrl = (run: WatchedRun): string =>
  `${run.apiUrl}/runs/${encodeURIComponent(run.runId)}#token=${encodeURIComponent(run.token)}`;

/**
 * Runs in the page before its own scripts: watches the DOM for the ready grid, then stamps the wall clock
 * after the next frame (requestAnimationFrame runs before that frame's paint, the timeout after it).
 */
function stampGridDrawn({ binding, selector }: { binding: string; selector: string }): void {
  // This runs in the page; the bench's types are Node's, which know no DOM: the little it uses, typed here.
  const page = globalThis as unknown as Record<string, (at: number) => void> & {
    document: { querySelector(selector: string): unknown };
    requestAnimationFrame(callback: () => void): void;
    MutationObserver: new (callback: () => void) => {
      observe(target: unknown, options: Record<string, boolean>): void;
      disconnect(): void;
    };
  };
  const observer = new page.MutationObserver(() => {
    if (!page.document.querySelector(selector)) return;
    observer.disconnect();
    page.requestAnimationFrame(() =>
      setTimeout(() => page[binding]!(performance.timeOrigin + performance.now())),
    );
  });
  observer.observe(page.document, { subtree: true, childList: true, attributes: true });
}

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
   * logs in) and returns the ms from `goto` to the grid drawn: the first frame after the page's DOM says
   * `data-ready="true"`, stamped in the page by an init script (wall clock: `performance.timeOrigin +
   * performance.now()`) and handed to the bench through a binding. Nothing of the bench runs in the page
   * meanwhile: a Playwright `waitFor` would evaluate its selector engine on the page's main thread while
   * the app loads (its injected script compiled per fresh context), and count that too. `seenMs`: when
   * the bench heard of it (the binding's message through Chromium's DevTools protocol on top).
   */
  async openGrid(run: WatchedRun): Promise<{ drawnMs: number; seenMs: number }> {
    const context = await this.browser.newContext();
    try {
      let resolveDrawn!: (at: { drawnAt: number; seenAt: number }) => void;
      const drawn = new Promise<{ drawnAt: number; seenAt: number }>((resolve) => (resolveDrawn = resolve));
      await context.exposeBinding(DRAWN_BINDING, (_source, drawnAt: number) =>
        resolveDrawn({ drawnAt, seenAt: Date.now() }),
      );
      await context.addInitScript(stampGridDrawn, { binding: DRAWN_BINDING, selector: READY_GRID });
      const page = await context.newPage();
      const started = Date.now();
      await page.goto(gridUrl(run), { timeout: OPEN_TIMEOUT_MS, waitUntil: 'commit' });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the grid was not drawn within ${OPEN_TIMEOUT_MS} ms`)),
          OPEN_TIMEOUT_MS,
        );
      });
      try {
        const { drawnAt, seenAt } = await Promise.race([drawn, timeout]);
        return { drawnMs: drawnAt - started, seenMs: seenAt - started };
      } finally {
        clearTimeout(timer);
      }
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
    await page.goto(gridUrl(run), { timeout: OPEN_TIMEOUT_MS });
    await page.locator(READY_GRID).waitFor({ state: 'visible', timeout: OPEN_TIMEOUT_MS });
  }
}

/** p95 of the round trips, ms (NaN when none). */
export const roundTripP95 = (r: Responsiveness): number => percentile(r.roundTripsMs, 95);
