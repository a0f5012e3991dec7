/** What a masked secret is replaced by in log lines, error texts and outputs. */
export const SECRET_MASK = '***';

/** Shorter texts are not masked: they would blank common words and digits out of every line. */
export const MIN_MASKED_LENGTH = 4;

/**
 * Masks the clear values of an attempt's secrets in everything the attempt reports (like GitHub
 * Actions masks secrets in logs): every occurrence inside any string, also in its JSON-escaped form
 * (a handler logging `JSON.stringify(x)`). Non-string secrets are masked by their JSON text and by
 * each string inside them.
 */
export class SecretMasker {
  private readonly needles: readonly string[];

  constructor(clearValues: readonly unknown[]) {
    const needles = new Set<string>();
    const add = (text: string): void => {
      if (text.length < MIN_MASKED_LENGTH) return;
      needles.add(text);
      const escaped = JSON.stringify(text).slice(1, -1);
      if (escaped !== text) needles.add(escaped);
    };
    const collect = (value: unknown): void => {
      if (typeof value === 'string') add(value);
      else if (Array.isArray(value)) value.forEach(collect);
      else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
    };
    for (const value of clearValues) {
      collect(value);
      if (typeof value !== 'string' && value !== null && value !== undefined) add(JSON.stringify(value));
    }
    // Longest first, so a secret containing another one is masked whole.
    this.needles = [...needles].sort((a, b) => b.length - a.length);
  }

  /** Whether there is anything to mask. */
  get isEmpty(): boolean {
    return this.needles.length === 0;
  }

  /** `text` with every secret replaced by {@link SECRET_MASK}. */
  maskText(text: string): string {
    let out = text;
    for (const needle of this.needles) if (out.includes(needle)) out = out.split(needle).join(SECRET_MASK);
    return out;
  }

  /**
   * A copy of `value` with every string (values and keys) masked; numbers, booleans and null kept.
   * Plain data only (JSON and plain records of it, e.g. an attempt's outcome); the same value when empty.
   */
  maskDeep<T>(value: T): T {
    if (this.isEmpty) return value;
    const walk = (item: unknown): unknown => {
      if (typeof item === 'string') return this.maskText(item);
      if (Array.isArray(item)) return item.map(walk);
      if (item !== null && typeof item === 'object') {
        const out: Record<string, unknown> = {};
        for (const [key, child] of Object.entries(item)) out[this.maskText(key)] = walk(child);
        return out;
      }
      return item;
    };
    return walk(value) as T;
  }
}
