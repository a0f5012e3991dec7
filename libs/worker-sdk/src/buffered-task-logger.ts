import type { Json, TaskLogger } from './handler.js';
import {
  LogBudget,
  roughLogBytes,
  safeLogLine,
  stringOf,
  type TaskLogLevel,
  type TaskLogLimits,
  type TaskLogLine,
} from './log-safety.js';

/** Options of a BufferedTaskLogger. */
export interface BufferedTaskLoggerOptions extends TaskLogLimits {
  now?: () => number;
  /** Called with every kept line as it is logged (live tailing, forwarding to the host's logger). */
  onLine?: (line: TaskLogLine) => void;
}

/**
 * A TaskLogger that keeps an attempt's lines in memory, within limits, so a chatty handler cannot
 * blow up the result message or the `task_logs` table: a line's message is cut at 16 KiB, the log at
 * 1000 lines / 64 KiB, and a final "log truncated" line says how many lines and bytes were dropped.
 * Lines are stored as Postgres can hold them: NUL and unpaired surrogates in messages and fields
 * become U+FFFD, fields that are not storable JSON become `{ fieldsError }` (see `safeLogLine`).
 * `close()` returns the lines and ignores anything logged afterwards (a handler still running after
 * its timeout keeps its logger).
 */
export class BufferedTaskLogger implements TaskLogger {
  private readonly budget: LogBudget;
  private readonly now: () => number;
  private readonly onLine: ((line: TaskLogLine) => void) | undefined;
  private closed = false;

  constructor(options: BufferedTaskLoggerOptions = {}) {
    this.budget = new LogBudget(options);
    this.now = options.now ?? Date.now;
    this.onLine = options.onLine;
  }

  debug(message: string, fields?: Record<string, Json>): void {
    this.write('debug', message, fields);
  }

  info(message: string, fields?: Record<string, Json>): void {
    this.write('info', message, fields);
  }

  warn(message: string, fields?: Record<string, Json>): void {
    this.write('warn', message, fields);
  }

  error(message: string, fields?: Record<string, Json>): void {
    this.write('error', message, fields);
  }

  /** Stops capturing and returns the lines, ending with the "log truncated" line when something was dropped. */
  close(): TaskLogLine[] {
    this.closed = true;
    return this.snapshot();
  }

  /** The lines captured so far. */
  snapshot(): TaskLogLine[] {
    return this.budget.lines();
  }

  private write(level: TaskLogLevel, message: unknown, fields: unknown): void {
    if (this.closed) return;
    if (this.budget.full) {
      // Only counted: converting fields nobody keeps would cost a chatty handler dearly.
      this.budget.drop(roughLogBytes(message, fields), this.now());
      return;
    }
    // Logging must never throw into the handler: coerce whatever it passes.
    const kept = this.budget.offer(
      safeLogLine({ at: this.now(), level, message: stringOf(message), fields }),
    );
    if (kept === null) return;
    try {
      this.onLine?.(kept);
    } catch {
      // A broken forwarder must not fail the attempt; the line is still captured.
    }
  }
}
