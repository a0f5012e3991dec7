import { parseArgs } from 'node:util';
import { ConfigError, maxOutputBytesFrom } from '@tributary/runtime';

/** How an executor host runs, besides the shared configuration (`TributaryConfig`). */
export interface ExecutorOptions {
  /** Executor (handler) names this host pulls work for. @default every registered handler */
  executors?: string[];
  /** Attempts running at once on this host, across all its executor names. @default 64 */
  concurrency?: number;
  /** Handler modules (paths or package names). @default `config.handlers` (TRIBUTARY_HANDLERS) */
  handlers?: string[];
  /** On stop, how long running attempts may finish before they are aborted. @default 30 000 */
  shutdownGraceMs?: number;
  /** Heartbeat period. @default 5 000 */
  heartbeatMs?: number;
  /** Largest handler output (UTF-8 JSON bytes) a result carries. @default TRIBUTARY_MAX_OUTPUT_BYTES, else 256 KiB */
  maxOutputBytes?: number;
}

export const DEFAULT_CONCURRENCY = 64;
export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;
export const DEFAULT_HEARTBEAT_MS = 5_000;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The host options of a process: `--executors a,b`, `--concurrency N` and `--max-output-bytes 256KiB`
 * (also `--flag=value`) win over `TRIBUTARY_EXECUTORS` / `TRIBUTARY_CONCURRENCY` /
 * `TRIBUTARY_MAX_OUTPUT_BYTES`. Throws a ConfigError naming the flag or variable when a value is unusable.
 */
export function executorOptionsFrom(argv: readonly string[], env: Env = process.env): ExecutorOptions {
  const flags = parseFlags(argv);
  const options: ExecutorOptions = {};
  const executors = flags.get('executors') ?? env.TRIBUTARY_EXECUTORS;
  const executorsSource = flags.has('executors') ? '--executors' : 'TRIBUTARY_EXECUTORS';
  if (executors !== undefined) {
    const names = splitList(executors);
    if (names.length === 0) throw new ConfigError(`${executorsSource}: no executor name given`);
    options.executors = names;
  }
  const concurrency = flags.get('concurrency') ?? env.TRIBUTARY_CONCURRENCY;
  if (concurrency !== undefined && concurrency !== '') {
    options.concurrency = positiveInteger(
      flags.has('concurrency') ? '--concurrency' : 'TRIBUTARY_CONCURRENCY',
      concurrency,
    );
  }
  const maxOutput = flags.get('max-output-bytes') ?? env.TRIBUTARY_MAX_OUTPUT_BYTES;
  if (maxOutput !== undefined && maxOutput !== '') {
    options.maxOutputBytes = maxOutputBytesFrom(
      env,
      flags.has('max-output-bytes') ? '--max-output-bytes' : 'TRIBUTARY_MAX_OUTPUT_BYTES',
      maxOutput,
    );
  }
  return options;
}

/** `value` as a positive integer, or a ConfigError naming `source`. */
export function positiveInteger(source: string, value: string | number): number {
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new ConfigError(`${source}: "${String(value)}" is not a positive integer`);
  }
  return n;
}

/** Comma-separated names, trimmed, empty entries and duplicates dropped, order kept. */
export function splitList(value: string): string[] {
  return [
    ...new Set(
      value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

const FLAGS = ['executors', 'concurrency', 'max-output-bytes'] as const;

/** Node's own argv parser; other arguments (a service name, flags of other tools) are left alone. */
function parseFlags(argv: readonly string[]): Map<string, string> {
  const { tokens } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(FLAGS.map((name) => [name, { type: 'string' }])),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const flags = new Map<string, string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || !(FLAGS as readonly string[]).includes(token.name)) continue;
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--')))
      throw new ConfigError(`--${token.name} needs a value`);
    flags.set(token.name, token.value);
  }
  return flags;
}
