/** Result of {@link parseDuration}: milliseconds, or why the value is not a duration. */
export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

/**
 * The duration strings a spec accepts: one or more `<integer><unit>` parts, units in decreasing
 * order and each at most once (`500ms`, `2s`, `5m`, `1h`, `1h30m`, `2m30s`, `1s500ms`).
 * Used as the JSON Schema `pattern`, so editors flag bad strings too.
 */
export const DURATION_PATTERN = '^(?=\\d)(?:(\\d+)h)?(?:(\\d+)m(?!s))?(?:(\\d+)s)?(?:(\\d+)ms)?$';

const DURATION_RE = new RegExp(DURATION_PATTERN);
const UNIT_MS = [3_600_000, 60_000, 1_000, 1] as const;
const HINT = 'use a whole number of milliseconds or a string like "500ms", "2s", "5m", "1h" or "1h30m"';

/**
 * Parses a spec duration: a non-negative whole number of milliseconds, or a string such as
 * `500ms`, `2s`, `5m`, `1h`, `1h30m`. Pure; never throws.
 */
export function parseDuration(value: unknown): DurationResult {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || !Number.isInteger(value) || value < 0) {
      return { ok: false, message: `invalid duration ${String(value)}: ${HINT}` };
    }
    if (!Number.isSafeInteger(value))
      return { ok: false, message: `duration ${String(value)} ms is too large` };
    return { ok: true, ms: value };
  }
  if (typeof value !== 'string') {
    return {
      ok: false,
      message: `invalid duration: expected a string or a number, got ${describe(value)}; ${HINT}`,
    };
  }
  const match = DURATION_RE.exec(value);
  if (match === null) return { ok: false, message: `invalid duration "${value}": ${HINT}` };
  let ms = 0;
  for (let i = 0; i < UNIT_MS.length; i += 1) {
    const part = match[i + 1];
    if (part !== undefined) ms += Number(part) * (UNIT_MS[i] ?? 1);
  }
  if (!Number.isSafeInteger(ms)) return { ok: false, message: `duration "${value}" is too large` };
  return { ok: true, ms };
}

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
