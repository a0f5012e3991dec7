/** Levenshtein edit distance between two strings (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate closest to `word` when it is a likely typo, else null: within 1 edit for words of
 * up to 3 characters, 2 for 4, else 3; or a candidate that `word` (3+ characters) begins
 * (`retry` → `retries`). Comparison ignores case; ties go to the earliest candidate.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | null {
  const budget = word.length <= 3 ? 1 : word.length <= 4 ? 2 : 3;
  const lower = word.toLowerCase();
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const other = candidate.toLowerCase();
    const distance = editDistance(lower, other);
    const eligible = distance <= budget || (lower.length >= 3 && other.startsWith(lower));
    if (eligible && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` (did you mean "x"?)` when a close candidate exists, else the empty string. */
export function didYouMeanSuffix(word: string, candidates: Iterable<string>): string {
  const suggestion = didYouMean(word, candidates);
  return suggestion === null ? '' : ` (did you mean "${suggestion}"?)`;
}
