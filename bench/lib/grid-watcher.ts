import type { RunWatcher, WatchedRun, WatchFigures } from '../contenders/contender.js';
import { GridApiProbe, RunNotYetError, type GridProbe, type GridRequest } from './grid-api-probe.js';
import { browserUnavailable, GridBrowser, type Responsiveness } from './grid-browser.js';
import { max, median, percentile } from './stats.js';

export interface GridWatchOptions {
  /** One probe of the api (run view, grid, first page) this often while the run runs. */
  probeEveryMs: number;
  /** Probes after the run finished, back to back. */
  probesAfter: number;
  /** Browser opens of the grid while the run runs (at most: it may finish first) and after. */
  browserOpens: number;
  /** How long the page is watched for responsiveness while the run runs. */
  responsivenessMs: number;
}

type Phase = 'running' | 'after';

const REQUESTS: (GridRequest | 'page')[] = ['run', 'grid', 'tasks', 'page'];

/**
 * What a user of the web UI waits for on a run's page, measured from outside while the run goes on and
 * once it finished: the api's requests behind the grid page (latency and size), and — when Chromium and
 * the web UI are there — the time headless Chromium takes to draw the grid, and whether the page keeps
 * reacting while live updates arrive.
 */
export class GridWatcher implements RunWatcher {
  private readonly probes: Record<Phase, GridProbe[]> = { running: [], after: [] };
  private readonly opens: Record<Phase, number[]> = { running: [], after: [] };
  /** The same opens as the bench process heard of them (the binding's DevTools message on top). */
  private readonly seen: Record<Phase, number[]> = { running: [], after: [] };
  private responsive: Responsiveness | undefined;
  private readonly notes: string[] = [];

  constructor(private readonly options: GridWatchOptions) {}

  async whileRunning(run: WatchedRun, finished: Promise<void>): Promise<void> {
    let done = false;
    const over = finished.then(() => (done = true));
    const probe = new GridApiProbe(run);
    const probing = (async () => {
      while (!done) {
        const started = Date.now();
        try {
          this.probes.running.push(await probe.probe());
        } catch (error) {
          if (!(error instanceof RunNotYetError)) throw error;
        }
        const wait = Math.max(0, this.options.probeEveryMs - (Date.now() - started));
        await Promise.race([over, new Promise((resolve) => setTimeout(resolve, wait))]);
      }
    })();
    const browsing = this.browse(run, 'running', () => done);
    await Promise.all([probing, browsing]);
  }

  async afterwards(run: WatchedRun): Promise<void> {
    const probe = new GridApiProbe(run);
    await probe.probe(); // learns the largest cell: every measured probe then asks for its first page
    for (let i = 0; i < this.options.probesAfter; i++) this.probes.after.push(await probe.probe());
    await this.browse(run, 'after', () => false);
  }

  /** Opens the grid in Chromium (while `stop()` is false), then, while running, watches the page. */
  private async browse(run: WatchedRun, phase: Phase, stop: () => boolean): Promise<void> {
    const unavailable = await browserUnavailable(run.apiUrl);
    if (unavailable) {
      if (!this.notes.includes(unavailable)) this.notes.push(unavailable);
      return;
    }
    await waitForRun(run, stop);
    const browser = await GridBrowser.launch();
    try {
      while (!stop() && this.opens[phase].length < this.options.browserOpens) {
        const open = await browser.openGrid(run);
        this.opens[phase].push(open.drawnMs);
        this.seen[phase].push(open.seenMs);
      }
      if (phase === 'running' && !stop())
        this.responsive = await browser.responsiveness(run, this.options.responsivenessMs);
    } finally {
      await browser.close();
    }
    if (phase === 'running' && this.opens.running.length < this.options.browserOpens)
      this.notes.push(
        `the run finished after ${this.opens.running.length} of ${this.options.browserOpens} browser opens` +
          (this.responsive ? '' : ' and before the responsiveness window'),
      );
  }

  figures(): WatchFigures {
    const details: Record<string, number> = {};
    const distributions: Record<string, number[]> = {};
    for (const phase of ['running', 'after'] as const) {
      const probes = this.probes[phase];
      details[`probes_${phase}`] = probes.length;
      for (const request of REQUESTS) {
        const ms = probes
          .map((p) => (request === 'page' ? p.pageMs : p.ms[request]))
          .filter((v): v is number => v !== undefined);
        const bytes = probes.map((p) => (request === 'page' ? undefined : p.bytes[request]));
        distributions[`${request}_ms_${phase}`] = ms;
        details[`${request}_ms_p50_${phase}`] = percentile(ms, 50);
        details[`${request}_ms_p95_${phase}`] = percentile(ms, 95);
        if (request !== 'page')
          details[`${request}_bytes_max_${phase}`] = max(bytes.filter((v): v is number => v !== undefined));
      }
      distributions[`open_ms_${phase}`] = this.opens[phase];
      details[`open_ms_p50_${phase}`] = median(this.opens[phase]);
      details[`open_ms_max_${phase}`] = max(this.opens[phase]);
      details[`open_seen_ms_p50_${phase}`] = median(this.seen[phase]);
    }
    if (this.responsive) {
      distributions['round_trip_ms_running'] = this.responsive.roundTripsMs;
      details['round_trip_ms_p95_running'] = percentile(this.responsive.roundTripsMs, 95);
      details['round_trip_ms_max_running'] = max(this.responsive.roundTripsMs);
      details['long_tasks_running'] = this.responsive.longTasks;
      details['long_task_ms_running'] = this.responsive.longTaskMs;
      details['timer_lag_ms_max_running'] = this.responsive.maxTimerLagMs;
    }
    return { details, distributions, notes: [...this.notes] };
  }
}

/** Until the api knows the run (the planner has processed its trigger), or `stop()`. */
async function waitForRun(run: WatchedRun, stop: () => boolean): Promise<void> {
  const probe = new GridApiProbe(run);
  while (!stop()) {
    try {
      await probe.probe();
      return;
    } catch (error) {
      if (!(error instanceof RunNotYetError)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
