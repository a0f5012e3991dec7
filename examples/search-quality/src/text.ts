/** Text normalisation shared by the index, the judge and the NER gazetteer. */

const STOPWORDS = new Set(['de', 'da', 'do', 'com', 'et', 'le', 'la', 'les', 'avec', 'mit', 'und', 'an', 'me', 'kai', 'fir']);

/** Lower case, diacritics folded (`Lumière` → `lumiere`, `Täsch` → `tasch`). */
export function normalize(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

/** Normalised word tokens, stop words and one-letter tokens dropped; order and duplicates kept. */
export function tokenize(text: string): string[] {
  return normalize(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token.length > 1 && !STOPWORDS.has(token));
}

/** Levenshtein distance, bailing out early once it exceeds `max` (then returns max + 1). */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > max) return max + 1;
    previous = current;
  }
  return previous[b.length] as number;
}

/** Rounds to 4 decimals so outputs stay readable (and stable across platforms). */
export function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
