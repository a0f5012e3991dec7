import { textProblem } from '@tributary/domain';
import { invalidRequest, type Issue } from './api-error.js';

const describe = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
};

const pointer = (base: string, key: string): string =>
  `${base}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

interface StringRule {
  required?: boolean;
  maxLength?: number;
  /** Allowed values; the message lists them. */
  oneOf?: readonly string[];
  pattern?: RegExp;
  /** What `pattern` means, for the message. */
  patternHint?: string;
  /** Any further check: the problem with the value, or null. */
  check?: (value: string) => string | null;
}

/**
 * Reads the fields of one JSON object of a request body, collecting an issue (JSON pointer and
 * reason) per problem; `finish()` adds one per unknown field and throws a 400 listing them all.
 */
export class BodyFields {
  readonly issues: Issue[] = [];
  private readonly known = new Set<string>();
  private readonly object: Record<string, unknown>;

  constructor(
    value: unknown,
    private readonly what = 'request body',
    private readonly base = '',
  ) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw invalidRequest(what, [{ path: base, message: `must be a JSON object, got ${describe(value)}` }]);
    }
    this.object = value as Record<string, unknown>;
  }

  private take(key: string): unknown {
    this.known.add(key);
    return Object.prototype.hasOwnProperty.call(this.object, key) ? this.object[key] : undefined;
  }

  private fail(key: string, message: string): undefined {
    this.issues.push({ path: pointer(this.base, key), message });
    return undefined;
  }

  /** Any JSON value (validated elsewhere); `undefined` when absent. */
  any(key: string): unknown {
    return this.take(key);
  }

  string(key: string, rule: StringRule & { required: true }): string;
  string(key: string, rule?: StringRule): string | undefined;
  string(key: string, rule: StringRule = {}): string | undefined {
    const value = this.take(key);
    if (value === undefined) return rule.required ? this.fail(key, 'is required') : undefined;
    return this.checkString(pointer(this.base, key), value, rule);
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.take(key);
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      this.fail(key, `must be true or false, got ${describe(value)}`);
      return fallback;
    }
    return value;
  }

  integer(key: string, rule: { min: number; max: number }): number | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < rule.min || value > rule.max) {
      return this.fail(key, `must be an integer from ${rule.min} to ${rule.max}, got ${describe(value)}`);
    }
    return value;
  }

  /** A list of strings; with `optional`, an absent field is `undefined`. */
  stringList(key: string, rule: StringRule & { minItems: number; maxItems: number }): string[];
  stringList(
    key: string,
    rule: StringRule & { minItems: number; maxItems: number; optional: true },
  ): string[] | undefined;
  stringList(
    key: string,
    rule: StringRule & { minItems: number; maxItems: number; optional?: boolean },
  ): string[] | undefined {
    const value = this.take(key);
    if (value === undefined && rule.optional) return undefined;
    if (value === undefined) {
      this.fail(key, 'is required');
      return [];
    }
    if (!Array.isArray(value)) {
      this.fail(key, `must be a list of strings, got ${describe(value)}`);
      return [];
    }
    if (value.length < rule.minItems || value.length > rule.maxItems) {
      this.fail(key, `must have ${rule.minItems} to ${rule.maxItems} entries, got ${value.length}`);
      return [];
    }
    const out: string[] = [];
    value.forEach((item, i) => {
      const s = this.checkString(`${pointer(this.base, key)}/${i}`, item, rule);
      if (s !== undefined) out.push(s);
    });
    return out;
  }

  private checkString(path: string, value: unknown, rule: StringRule): string | undefined {
    const issue = (message: string) => {
      this.issues.push({ path, message });
      return undefined;
    };
    if (typeof value !== 'string') return issue(`must be a string, got ${describe(value)}`);
    if (value.trim() === '') return issue('must not be empty');
    if (rule.maxLength !== undefined && value.length > rule.maxLength)
      return issue(`must be at most ${rule.maxLength} characters, got ${value.length}`);
    if (rule.oneOf && !rule.oneOf.includes(value))
      return issue(`must be one of ${rule.oneOf.join(', ')}, got ${describe(value)}`);
    if (rule.pattern && !rule.pattern.test(value))
      return issue(`must be ${rule.patternHint ?? `match ${rule.pattern.source}`}, got ${describe(value)}`);
    const problem = rule.check?.(value);
    if (problem) return issue(problem);
    return value;
  }

  /** Reports unknown fields, then throws a 400 when anything was wrong. */
  finish(): void {
    for (const key of Object.keys(this.object)) {
      if (this.known.has(key)) continue;
      this.issues.push({
        path: pointer(this.base, key),
        message: `unknown field; expected ${[...this.known].map((k) => `"${k}"`).join(', ') || 'none'}`,
      });
    }
    if (this.issues.length > 0) throw invalidRequest(this.what, this.issues);
  }
}

/**
 * Reads query parameters (`?name` in issue paths): each given at most once, unknown ones refused,
 * so a typo (`?limt=5`) is an error instead of a silently ignored filter.
 */
export class QueryFields {
  private readonly issues: Issue[] = [];
  private readonly known = new Set<string>();

  constructor(private readonly query: Record<string, unknown>) {}

  string(name: string, rule: StringRule = {}): string | undefined {
    this.known.add(name);
    const value = this.query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.issues.push({ path: `?${name}`, message: 'must be given once, as a plain value' });
      return undefined;
    }
    if (value === '') {
      this.issues.push({ path: `?${name}`, message: 'must not be empty' });
      return undefined;
    }
    if (rule.maxLength !== undefined && value.length > rule.maxLength) {
      this.issues.push({ path: `?${name}`, message: `must be at most ${rule.maxLength} characters` });
      return undefined;
    }
    const problem = textProblem(value);
    if (problem) {
      this.issues.push({ path: `?${name}`, message: problem });
      return undefined;
    }
    if (rule.oneOf && !rule.oneOf.includes(value)) {
      this.issues.push({
        path: `?${name}`,
        message: `must be one of ${rule.oneOf.join(', ')}, got ${JSON.stringify(value)}`,
      });
      return undefined;
    }
    if (rule.pattern && !rule.pattern.test(value)) {
      this.issues.push({
        path: `?${name}`,
        message: `must be ${rule.patternHint ?? `match ${rule.pattern.source}`}, got ${JSON.stringify(value)}`,
      });
      return undefined;
    }
    const checked = rule.check?.(value) ?? null;
    if (checked !== null) {
      this.issues.push({ path: `?${name}`, message: `${checked}, got ${JSON.stringify(value)}` });
      return undefined;
    }
    return value;
  }

  integer(name: string, rule: { min: number; max: number }): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < rule.min || value > rule.max) {
      this.issues.push({
        path: `?${name}`,
        message: `must be an integer from ${rule.min} to ${rule.max}, got ${JSON.stringify(raw)}`,
      });
      return undefined;
    }
    return value;
  }

  finish(): void {
    for (const key of Object.keys(this.query)) {
      if (!this.known.has(key)) {
        this.issues.push({
          path: `?${key}`,
          message: `unknown query parameter; expected ${[...this.known].map((k) => `"${k}"`).join(', ') || 'none'}`,
        });
      }
    }
    if (this.issues.length > 0) throw invalidRequest('query', this.issues);
  }
}

/** A path parameter that must be non-empty and at most `maxLength` characters. */
export function pathParam(name: string, value: string | undefined, maxLength = 512): string {
  if (value === undefined || value === '')
    throw invalidRequest('path', [{ path: `:${name}`, message: 'must not be empty' }]);
  if (value.length > maxLength) {
    throw invalidRequest('path', [{ path: `:${name}`, message: `must be at most ${maxLength} characters` }]);
  }
  const problem = textProblem(value);
  if (problem) throw invalidRequest('path', [{ path: `:${name}`, message: problem }]);
  return value;
}
