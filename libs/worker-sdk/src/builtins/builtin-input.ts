import type { Json } from '../handler.js';
import { FatalError } from '../task-errors.js';

/**
 * Reads and type-checks a built-in handler's `with:` map. Bad input cannot get
 * better on retry, so every problem is a FatalError naming the handler, the
 * field and the expected type. A null value counts as absent (YAML `key:`).
 */
export class BuiltinInput {
  private readonly fields: Record<string, Json>;

  /** Refuses a non-object input and keys outside `allowed` (a typo must not be silently ignored). */
  constructor(
    private readonly handler: string,
    input: Json | undefined,
    allowed: readonly string[],
  ) {
    if (input === undefined || input === null) {
      this.fields = {};
      return;
    }
    if (typeof input !== 'object' || Array.isArray(input)) {
      throw new FatalError(`${handler}: input must be an object, got ${describe(input)}`);
    }
    const unknown = Object.keys(input).filter((key) => !allowed.includes(key));
    if (unknown.length > 0) {
      const expected = allowed.length > 0 ? allowed.map((key) => `"${key}"`).join(', ') : 'none';
      throw new FatalError(
        `${handler}: unknown input ${unknown.map((key) => `"${key}"`).join(', ')} (expected: ${expected})`,
      );
    }
    this.fields = input;
  }

  /** True when the key is present with a non-null value. */
  has(key: string): boolean {
    const value = this.fields[key];
    return value !== undefined && value !== null;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.fields[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw this.wrongType(key, 'a boolean', value);
    return value;
  }

  optionalString(key: string): string | undefined {
    const value = this.fields[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw this.wrongType(key, 'a string', value);
    return value;
  }

  requiredString(key: string): string {
    const value = this.optionalString(key);
    if (value === undefined) throw this.missing(key, 'a string');
    return value;
  }

  /** A finite number within [min, max]; `integer` also refuses fractions. */
  requiredNumber(key: string, rules: { min?: number; max?: number; integer?: boolean } = {}): number {
    const value = this.fields[key];
    const expected = rules.integer ? 'an integer' : 'a number';
    if (value === undefined || value === null) throw this.missing(key, expected);
    if (typeof value !== 'number' || !Number.isFinite(value) || (rules.integer && !Number.isInteger(value))) {
      throw this.wrongType(key, expected, value);
    }
    if (rules.min !== undefined && value < rules.min) {
      throw new FatalError(
        `${this.handler}: input "${key}" must be ${expected} >= ${rules.min}, got ${value}`,
      );
    }
    if (rules.max !== undefined && value > rules.max) {
      throw new FatalError(
        `${this.handler}: input "${key}" must be ${expected} <= ${rules.max}, got ${value}`,
      );
    }
    return value;
  }

  optionalArray(key: string): Json[] | undefined {
    const value = this.fields[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw this.wrongType(key, 'an array', value);
    return value;
  }

  /** An object whose values are all strings (HTTP headers). */
  optionalStringMap(key: string): Record<string, string> | undefined {
    const value = this.fields[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value))
      throw this.wrongType(key, 'an object of strings', value);
    for (const [name, entry] of Object.entries(value)) {
      if (typeof entry !== 'string') {
        throw new FatalError(
          `${this.handler}: input "${key}.${name}" must be a string, got ${describe(entry)}`,
        );
      }
    }
    return value as Record<string, string>;
  }

  /** Any JSON value, as given (undefined when absent or null). */
  optionalJson(key: string): Json | undefined {
    const value = this.fields[key];
    return value === null ? undefined : value;
  }

  private wrongType(key: string, expected: string, value: Json): FatalError {
    return new FatalError(`${this.handler}: input "${key}" must be ${expected}, got ${describe(value)}`);
  }

  private missing(key: string, expected: string): FatalError {
    return new FatalError(`${this.handler}: input "${key}" is required (${expected})`);
  }
}

/** `string "x"`, `number 3`, `array`, `object`, `null`: enough to see what went wrong. */
function describe(value: Json | undefined): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}
