import { describeJsonProblem, jsonProblem, MAX_JSON_DEPTH, sanitizeText } from '@tributary/domain';
import type { Json } from './handler.js';
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
  /** One line's message (and, apart, its fields) is cut to this many bytes. Default 16 KiB (at most `maxBytes`). */
  maxLineBytes?: number;
}

export const DEFAULT_MAX_LOG_LINES = 1000;
export const DEFAULT_MAX_LOG_BYTES = 64 * 1024;
export const DEFAULT_MAX_LOG_LINE_BYTES = 16 * 1024;

const LEVELS: ReadonlySet<string> = new Set(['debug', 'info', 'warn', 'error']);
const encoder = new TextEncoder();

/** UTF-8 size of `text`. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * `text` cut to at most `maxBytes` of UTF-8 (never inside a character), followed by a note of how much
 * was cut; `text` itself when it fits.
 */
export function cutText(text: string, maxBytes: number): string {
  const bytes = utf8Bytes(text);
  if (bytes <= maxBytes) return text;
  const { read } = encoder.encodeInto(text, new Uint8Array(Math.max(0, maxBytes)));
  const kept = text.slice(0, read);
  return `${kept}… [${bytes - utf8Bytes(kept)} more bytes cut]`;
}

/**
 * A JSON value with the NUL character and unpaired surrogates in its strings and keys replaced by
 * U+FFFD (see `sanitizeText`); the value itself when it has none. Nesting deeper than
 * {@link MAX_JSON_DEPTH} is left as it is (for `jsonProblem` to report).
 */
export function sanitizeJson(value: Json): Json {
  return jsonProblem(value) === null ? value : sanitizeDeep(value, 0);
}

function sanitizeDeep(value: Json, depth: number): Json {
  if (typeof value === 'string') return sanitizeText(value);
  if (typeof value !== 'object' || value === null || depth > MAX_JSON_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => sanitizeDeep(item, depth + 1));
  const out: Record<string, Json> = {};
  for (const key of Object.keys(value)) {
    const safeKey = sanitizeText(key);
    const copied = sanitizeDeep(value[key]!, depth + 1);
    if (safeKey === '__proto__')
      Object.defineProperty(out, safeKey, {
        value: copied,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[safeKey] = copied;
  }
  return out;
}

/**
 * A log line's fields as plain, storable JSON: whatever the handler passed (never throws). Strings
 * with NUL or unpaired surrogates are repaired (U+FFFD); fields that cannot be stored at all (not
 * JSON, nested too deep, a prototype key) are replaced by `{ fieldsError: <why> }`.
 */
export function safeLogFields(fields: unknown): Record<string, Json> {
  if (fields === undefined || fields === null) return {};
  let json: Json;
  try {
    json = toJsonValue(fields, 'fields');
  } catch (error) {
    return { fieldsError: sanitizeText(error instanceof Error ? error.message : String(error)) };
  }
  const record = typeof json === 'object' && json !== null && !Array.isArray(json) ? json : { value: json };
  const safe = sanitizeJson(record) as Record<string, Json>;
  const problem = jsonProblem(safe);
  if (problem)
    return { fieldsError: sanitizeText(`${describeJsonProblem('fields', problem)} (fields dropped)`) };
  return safe;
}

/** `line` as it can be stored: a known level, its message sanitized, its fields safe (see {@link safeLogFields}). */
export function safeLogLine(line: {
  at: number;
  level: string;
  message: unknown;
  fields?: unknown;
}): TaskLogLine {
  return {
    at: Number.isFinite(line.at) ? line.at : Date.now(),
    level: LEVELS.has(line.level) ? (line.level as TaskLogLevel) : 'info',
    message: sanitizeText(typeof line.message === 'string' ? line.message : stringOf(line.message)),
    fields: safeLogFields(line.fields),
  };
}

/** What a line costs in storage beyond fixed columns (time, level): its message and its fields as JSON. */
export function logLineBytes(line: TaskLogLine): number {
  return utf8Bytes(line.message) + fieldsBytes(line.fields);
}

function fieldsBytes(fields: Record<string, Json>): number {
  for (const _ in fields) return utf8Bytes(JSON.stringify(fields));
  return 0;
}

/**
 * The lines of one attempt within their limits: each line cut to `maxLineBytes`, lines kept while the
 * total stays within `maxLines` and `maxBytes`, and one final "log truncated" line saying how many
 * lines and bytes were dropped.
 */
export class LogBudget {
  readonly maxLines: number;
  readonly maxBytes: number;
  readonly maxLineBytes: number;
  private readonly kept: TaskLogLine[] = [];
  private bytes = 0;
  private droppedLines = 0;
  private droppedBytes = 0;
  private firstDropAt: number | null = null;

  constructor(limits: TaskLogLimits = {}) {
    this.maxLines = Math.max(1, Math.floor(limits.maxLines ?? DEFAULT_MAX_LOG_LINES));
    this.maxBytes = Math.max(1, Math.floor(limits.maxBytes ?? DEFAULT_MAX_LOG_BYTES));
    this.maxLineBytes = Math.max(
      1,
      Math.min(this.maxBytes, Math.floor(limits.maxLineBytes ?? DEFAULT_MAX_LOG_LINE_BYTES)),
    );
  }

  /** True once a line was dropped: every later line is dropped too (the log stays a prefix). */
  get full(): boolean {
    return this.firstDropAt !== null;
  }

  /** Keeps `line` (cut to the line limit) when it fits; returns the kept line, or null when dropped. */
  offer(line: TaskLogLine): TaskLogLine | null {
    if (this.full) {
      this.drop(logLineBytes(line), line.at);
      return null;
    }
    const cut = this.cutLine(line);
    const size = logLineBytes(cut);
    if (this.kept.length >= this.maxLines || this.bytes + size > this.maxBytes) {
      this.drop(logLineBytes(line), line.at);
      return null;
    }
    this.bytes += size;
    this.kept.push(cut);
    return cut;
  }

  /** Counts a line that was not even built (the budget is full): `bytes` of it dropped. */
  drop(bytes: number, at: number): void {
    this.firstDropAt ??= at;
    this.droppedLines += 1;
    this.droppedBytes += bytes;
  }

  /** The kept lines, then the "log truncated" line when something was dropped. */
  lines(): TaskLogLine[] {
    if (this.firstDropAt === null) return [...this.kept];
    return [
      ...this.kept,
      {
        at: this.firstDropAt,
        level: 'warn',
        message:
          `log truncated: ${this.droppedLines} more line(s) (${this.droppedBytes} bytes) dropped over the limit ` +
          `of ${this.maxLines} lines / ${this.maxBytes} bytes per attempt`,
        fields: {
          maxLines: this.maxLines,
          maxBytes: this.maxBytes,
          droppedLines: this.droppedLines,
          droppedBytes: this.droppedBytes,
        },
      },
    ];
  }

  private cutLine(line: TaskLogLine): TaskLogLine {
    const message = cutText(line.message, this.maxLineBytes);
    const fieldSize = fieldsBytes(line.fields);
    const fields =
      fieldSize > this.maxLineBytes
        ? {
            fieldsError: `fields of ${fieldSize} bytes dropped (over the ${this.maxLineBytes}-byte limit of a line)`,
          }
        : line.fields;
    return message === line.message && fields === line.fields ? line : { ...line, message, fields };
  }
}

/**
 * Lines from anywhere (several tries of one attempt, a host's own notes) made safe and capped as one
 * attempt's log: every line through {@link safeLogLine}, then {@link LogBudget}.
 */
export function limitLogLines(lines: Iterable<TaskLogLine>, limits: TaskLogLimits = {}): TaskLogLine[] {
  const budget = new LogBudget(limits);
  for (const line of lines) {
    if (budget.full) budget.drop(roughLogBytes(line.message, line.fields), line.at);
    else budget.offer(safeLogLine(line));
  }
  return budget.lines();
}

/** `String(value)`, or a placeholder when even that throws. */
export function stringOf(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '[a message that cannot be turned into a string]';
  }
}

/** About what a line of `message` and `fields` would cost, without converting them (for lines only counted as dropped). */
export function roughLogBytes(message: unknown, fields: unknown): number {
  let size = utf8Bytes(stringOf(message));
  if (
    fields !== undefined &&
    fields !== null &&
    !(typeof fields === 'object' && Object.keys(fields).length === 0)
  ) {
    try {
      size += utf8Bytes(JSON.stringify(fields) ?? '');
    } catch {
      // Not JSON: its size is unknown, the message counts alone.
    }
  }
  return size;
}
