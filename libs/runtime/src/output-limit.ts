import { ConfigError } from './config.js';

/** The variable that sets the largest handler output a result may carry. */
export const MAX_OUTPUT_BYTES_VARIABLE = 'TRIBUTARY_MAX_OUTPUT_BYTES';
/** Largest handler output (UTF-8 JSON) by default: 256 KiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024;

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 * 1024,
  mb: 1024 * 1024,
  mib: 1024 * 1024,
};

/** `262144`, `256KiB`, `256k`, `1MiB` as bytes (binary units); null when it is not such a size. */
export function parseByteSize(value: string): number | null {
  const match = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(value);
  if (!match) return null;
  const unit = UNITS[match[2]!.toLowerCase()];
  if (unit === undefined) return null;
  const bytes = Number(match[1]) * unit;
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/**
 * The largest handler output a result may carry, from TRIBUTARY_MAX_OUTPUT_BYTES (bytes, or with a
 * KiB/MiB unit), default {@link DEFAULT_MAX_OUTPUT_BYTES}. Read by executor hosts and the consolidator.
 * Throws a ConfigError naming the variable when the value is unusable.
 */
export function maxOutputBytesFrom(
  env: Readonly<Record<string, string | undefined>> = process.env,
  source: string = MAX_OUTPUT_BYTES_VARIABLE,
  value: string | undefined = env[MAX_OUTPUT_BYTES_VARIABLE],
): number {
  if (value === undefined || value.trim() === '') return DEFAULT_MAX_OUTPUT_BYTES;
  const bytes = parseByteSize(value);
  if (bytes === null || bytes < 1) {
    throw new ConfigError(`${source}: "${value}" is not a size in bytes (e.g. 262144, 256KiB, 1MiB)`);
  }
  return bytes;
}

/** `bytes` for people: `262144 bytes (256 KiB)`. */
export function describeBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0)
    return `${bytes} bytes (${bytes / (1024 * 1024)} MiB)`;
  if (bytes >= 1024) return `${bytes} bytes (${Math.round((bytes / 1024) * 10) / 10} KiB)`;
  return `${bytes} bytes`;
}
