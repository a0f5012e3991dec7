/**
 * Validation of the values Tributary puts into NATS subjects (pipeline ids,
 * executor names, run ids, event types) and of the subject prefix.
 */

/** What a token names, used in error messages ("executor name", "run id"…). */
export type SubjectTokenKind = 'pipeline id' | 'executor name' | 'run id' | 'event type' | 'subject prefix';

/** Thrown when a value cannot be used as (part of) a NATS subject or stream name. */
export class InvalidSubjectTokenError extends Error {
  override readonly name = 'InvalidSubjectTokenError';

  /**
   * @param kind what the value names, e.g. "executor name"
   * @param token the offending value, verbatim
   * @param reason why it is refused, e.g. "contains '.' at index 3"
   */
  constructor(
    readonly kind: SubjectTokenKind,
    readonly token: unknown,
    readonly reason: string,
  ) {
    super(`Invalid ${kind} ${describe(token)}: ${reason}`);
  }
}

const TOKEN_RULE = "a NATS subject token must be non-empty and contain no whitespace, control characters, '.', '*' or '>'";
const PREFIX_RULE =
  "a subject prefix is one or more '.'-separated tokens of letters, digits, '_' or '-' (it also names the streams)";
const PREFIX_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** True when `value` can be used as one NATS subject token. */
export function isSubjectToken(value: unknown): value is string {
  return typeof value === 'string' && findTokenProblem(value) === undefined;
}

/**
 * Returns `value` when it is a valid NATS subject token, else throws an
 * {@link InvalidSubjectTokenError} naming the value, the offending character and its index.
 */
export function assertSubjectToken(kind: SubjectTokenKind, value: unknown): string {
  if (typeof value !== 'string') {
    throw new InvalidSubjectTokenError(kind, value, `expected a string, got ${value === null ? 'null' : typeof value}`);
  }
  const problem = findTokenProblem(value);
  if (problem !== undefined) throw new InvalidSubjectTokenError(kind, value, `${problem}; ${TOKEN_RULE}`);
  return value;
}

/**
 * Returns `prefix` when it can prefix both subjects and stream names, else throws an
 * {@link InvalidSubjectTokenError} (kind "subject prefix").
 */
export function assertSubjectPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string') {
    throw new InvalidSubjectTokenError('subject prefix', prefix, `expected a string, got ${prefix === null ? 'null' : typeof prefix}`);
  }
  if (!PREFIX_PATTERN.test(prefix)) {
    const problem = prefix === '' ? 'is empty' : firstPrefixProblem(prefix);
    throw new InvalidSubjectTokenError('subject prefix', prefix, `${problem}; ${PREFIX_RULE}`);
  }
  return prefix;
}

function findTokenProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  for (let i = 0; i < value.length; i++) {
    const ch = value.charAt(i);
    if (ch === '.' || ch === '*' || ch === '>') return `contains '${ch}' at index ${i}`;
    if (/\s/.test(ch)) return `contains whitespace (${codePoint(ch)}) at index ${i}`;
    if (/[\p{Cc}]/u.test(ch)) return `contains a control character (${codePoint(ch)}) at index ${i}`;
  }
  return undefined;
}

function firstPrefixProblem(prefix: string): string {
  const tokens = prefix.split('.');
  const emptyAt = tokens.findIndex((token) => token === '');
  if (emptyAt >= 0) return `has an empty token at position ${emptyAt}`;
  for (let i = 0; i < prefix.length; i++) {
    const ch = prefix.charAt(i);
    if (ch !== '.' && !/[A-Za-z0-9_-]/.test(ch)) return `contains ${/\s|\p{Cc}/u.test(ch) ? codePoint(ch) : `'${ch}'`} at index ${i}`;
  }
  return 'is not a valid prefix';
}

function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

function describe(token: unknown): string {
  return typeof token === 'string' ? JSON.stringify(token) : String(token);
}
