/** Longest lifetime a token may be given (a token meant to live longer should have no expiry at all). */
const MAX_LIFETIME_MS = 10 * 366 * 86_400_000;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * When a token made now expires: `30d`, `12h`, `90m`, `2w` from `now`, or an ISO date or time
 * (`2026-12-31`, `2026-12-31T18:00:00Z`). Returns the time, or the problem with the value.
 */
export function expiryOf(value: string, now: Date): { at: Date } | { problem: string } {
  const relative = /^(\d{1,6})([mhdw])$/.exec(value);
  let at: Date;
  if (relative) {
    at = new Date(now.getTime() + Number(relative[1]) * UNIT_MS[relative[2]!]!);
  } else if (/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    at = new Date(value);
    if (Number.isNaN(at.getTime())) return { problem: `"${value}" is not a valid date` };
  } else {
    return {
      problem: `"${value}" is neither a lifetime (like 30d, 12h, 90m, 2w) nor an ISO date (like 2026-12-31 or 2026-12-31T18:00:00Z)`,
    };
  }
  if (at.getTime() <= now.getTime()) return { problem: `"${value}" is not in the future` };
  if (at.getTime() - now.getTime() > MAX_LIFETIME_MS)
    return { problem: `"${value}" is more than 10 years away; leave expires out for a token without expiry` };
  return { at };
}
