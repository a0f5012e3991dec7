import type { Json, TaskLogger } from './handler.js';
import { toJsonValue } from './json-value.js';

/** Severity of a task log line. */
export type TaskLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One captured log line of an attempt (stored in `task_logs`). */
export interface TaskLogLine {
  /** Epoch milliseconds. */
  at: number;
  level: TaskLogLevel;
  message: string;
  fields: Record<string, Json>;
}

/** Per-attempt caps; past either one the rest is dropped and a final "log truncated" line says how much. */
export interface TaskLogLimits {
  /** Default 1000 lines. */
  maxLines?: number;
  /** Default 64 KiB, counted as the UTF-8 size of each line's message plus its fields as JSON. */
  maxBytes?: number;
}

/** Options of a BufferedTaskLogger. */
export interface BufferedTaskLoggerOptions extends TaskLogLimits {
  now?: () => number;
  /** Called with every kept line as it is logged (live tailing, forwarding to the host's logger). */
  onLine?: (line: TaskLogLine) => void;
}

export const DEFAULT_MAX_LOG_LINES = 1000;
export const DEFAULT_MAX_LOG_BYTES = 64 * 1024;

/**
 * A TaskLogger that keeps an attempt's lines in memory, within limits, so a
 * chatty handler cannot blow up the result message or the `task_logs` table.
 * `close()` returns the lines and ignores anything logged afterwards (a handler
 * still running after its timeout keeps its logger).
 */
export class BufferedTaskLogger implements TaskLogger {
  private readonly lines: TaskLogLine[] = [];
  private readonly maxLines: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private readonly onLine: ((line: TaskLogLine) => void) | undefined;
  private bytes = 0;
  private truncation: TaskLogLine | undefined;
  private droppedLines = 0;
  private closed = false;

  constructor(options: BufferedTaskLoggerOptions = {}) {
    this.maxLines = Math.max(1, options.maxLines ?? DEFAULT_MAX_LOG_LINES);
    this.maxBytes = Math.max(1, options.maxBytes ?? DEFAULT_MAX_LOG_BYTES);
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
    if (this.truncation === undefined) return [...this.lines];
    const truncation = {
      ...this.truncation,
      fields: { ...this.truncation.fields, droppedLines: this.droppedLines },
    };
    return [...this.lines, truncation];
  }

  private write(level: TaskLogLevel, message: unknown, fields: unknown): void {
    if (this.closed) return;
    if (this.truncation !== undefined) {
      this.droppedLines += 1;
      return;
    }
    // Logging must never throw into the handler: coerce whatever it passes.
    const line: TaskLogLine = { at: this.now(), level, message: String(message), fields: safeFields(fields) };
    const size = lineBytes(line);
    if (this.lines.length >= this.maxLines || this.bytes + size > this.maxBytes) {
      this.droppedLines = 1;
      this.truncation = {
        at: line.at,
        level: 'warn',
        message: `log truncated: more than ${this.maxLines} lines or ${this.maxBytes} bytes in this attempt`,
        fields: { maxLines: this.maxLines, maxBytes: this.maxBytes },
      };
      return;
    }
    this.bytes += size;
    this.lines.push(line);
    try {
      this.onLine?.(line);
    } catch {
      // A broken forwarder must not fail the attempt; the line is still captured.
    }
  }
}

// What a line costs in storage beyond fixed columns (time, level).
function lineBytes(line: TaskLogLine): number {
  const fields =
    Object.keys(line.fields).length === 0 ? 0 : Buffer.byteLength(JSON.stringify(line.fields), 'utf8');
  return Buffer.byteLength(line.message, 'utf8') + fields;
}

function safeFields(fields: unknown): Record<string, Json> {
  if (fields === undefined || fields === null) return {};
  try {
    const json = toJsonValue(fields, 'fields');
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) return json;
    return { value: json };
  } catch (error) {
    return { fieldsError: error instanceof Error ? error.message : String(error) };
  }
}
