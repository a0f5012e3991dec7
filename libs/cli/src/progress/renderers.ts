import cliProgress from 'cli-progress';
import type { RunView } from '../api/types.js';
import { changedProgressLines, runProgress } from './run-progress.js';

/** Shows a followed run's progress as views arrive. */
export interface ProgressRenderer {
  update(view: RunView): void;
  /** Ends the drawing (bars stay on screen). Idempotent. */
  stop(): void;
}

/** Without a terminal: one line per change, `market=LU success 5/5`. */
export class PlainProgressRenderer implements ProgressRenderer {
  private readonly previous = new Map<string, string>();
  constructor(private readonly print: (line: string) => void) {}

  update(view: RunView): void {
    for (const line of changedProgressLines(view, this.previous)) this.print(line);
  }

  stop(): void {}
}

/** In a terminal: one live bar per group (and per top-level task), done/total and state. */
export class BarProgressRenderer implements ProgressRenderer {
  private readonly multibar: cliProgress.MultiBar;
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private stopped = false;

  constructor(stream: NodeJS.WriteStream) {
    this.multibar = new cliProgress.MultiBar(
      {
        format: ' {label}  {bar}  {value}/{total}  {state}',
        barsize: 30,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        emptyOnZero: true,
        autopadding: true,
        stream,
        fps: 12,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  update(view: RunView): void {
    if (this.stopped) return;
    const entries = runProgress(view);
    const width = Math.max(0, ...entries.map((e) => e.label.length));
    for (const entry of entries) {
      const payload = {
        label: entry.label.padEnd(width),
        state: entry.failed > 0 ? `${entry.state} (${entry.failed} failed)` : entry.state,
      };
      let bar = this.bars.get(entry.label);
      if (!bar) {
        bar = this.multibar.create(entry.total, entry.done, payload);
        this.bars.set(entry.label, bar);
      } else {
        bar.setTotal(entry.total);
        bar.update(entry.done, payload);
      }
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.multibar.stop();
  }
}
