import { parseDuration } from '@tributary/domain';
import { ConfigError } from './config-error.js';

/** The environment a configuration is read from (process.env, or a test's own). */
export type Env = Readonly<Record<string, string | undefined>>;

/** A whole-number variable: `fallback` when unset or blank, else a value ≥ `min`; a ConfigError naming it otherwise. */
export function wholeNumberVar(env: Env, name: string, fallback: number, min = 1): number {
  const value = env[name];
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min)
    throw new ConfigError(`${name}: expected a whole number ≥ ${min}, got "${value}"`);
  return n;
}

/**
 * A duration variable (`500ms`, `30s`, `1h30m`): `fallback` when unset, else its milliseconds; a
 * ConfigError naming the variable when it does not parse or is below `minMs`.
 */
export function durationVar(env: Env, name: string, fallback: number, { minMs = 0 } = {}): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = parseDuration(value);
  if (!parsed.ok) throw new ConfigError(`${name}: ${parsed.message}`);
  if (parsed.ms < minMs)
    throw new ConfigError(
      minMs <= 1
        ? `${name}: must be more than 0, got "${value}"`
        : `${name}: must be at least ${minMs % 1000 === 0 ? `${minMs / 1000}s` : `${minMs}ms`}, got "${value}"`,
    );
  return parsed.ms;
}
