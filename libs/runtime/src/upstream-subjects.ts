/**
 * NATS subject maths for the managed upstream stream: which subjects a wildcard covers, and the
 * subject list that captures both what the stream has and what pipelines want, without entries
 * that overlap each other (a stream's subjects must not overlap).
 */

/** True when every subject `specific` matches is also matched by `general` (`a.>` covers `a.*.c`). */
export function subjectCovers(general: string, specific: string): boolean {
  const g = general.split('.');
  const s = specific.split('.');
  for (let i = 0; i < g.length; i++) {
    if (g[i] === '>') return i < s.length;
    if (i >= s.length) return false;
    if (s[i] === '>') return false;
    if (g[i] !== '*' && g[i] !== s[i]) return false;
  }
  return g.length === s.length;
}

/** True when some subject matches both patterns (`a.*` and `*.b` overlap in `a.b`). */
export function subjectsOverlap(a: string, b: string): boolean {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] === '>' || y[i] === '>') return i < x.length && i < y.length;
    if (x[i] === undefined || y[i] === undefined) return false;
    if (x[i] !== '*' && y[i] !== '*' && x[i] !== y[i]) return false;
  }
  return true;
}

/**
 * The stream's subjects after adding `wanted`: nothing it captures is dropped (a subject no pipeline
 * wants any more stays until an operator removes it: another planner may still want it), a wanted
 * subject an existing one covers adds nothing, and existing subjects a new wildcard covers are
 * folded into it. Null when nothing changes.
 */
export function mergeStreamSubjects(existing: readonly string[], wanted: readonly string[]): string[] | null {
  let result = [...existing];
  let changed = false;
  for (const subject of wanted) {
    if (result.some((have) => subjectCovers(have, subject))) continue;
    result = result.filter((have) => !subjectCovers(subject, have));
    result.push(subject);
    changed = true;
  }
  return changed ? result : null;
}
