/**
 * What every edge (api, trigger consumer, executor result, log line) checks before a value may reach
 * Postgres or a NATS message: Postgres refuses NUL in text and jsonb and unpaired UTF-16 surrogates
 * cannot be encoded as UTF-8; unbounded nesting exhausts recursive readers; prototype keys change the
 * shape of the objects JavaScript builds from the value. One refusal at the edge instead of a failed
 * transaction later (issue #8).
 */

/** Deepest nesting of arrays and objects accepted in params, outputs and fields (documented in the README). */
export const MAX_JSON_DEPTH = 64;

/** Keys refused in any object: they reach `Object.prototype` or rename it when the value is copied. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Where a value is unsafe (a JSON pointer below the value checked) and why. */
export interface JsonProblem {
  path: string;
  message: string;
}

// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const hex = (code: number): string => `\\u${code.toString(16).padStart(4, '0')}`;

/** Why `text` cannot be stored as Postgres text or sent as UTF-8, or null when it can. */
export function textProblem(text: string): string | null {
  const nul = text.indexOf('\u0000');
  if (nul >= 0) return `contains the NUL character (\\u0000) at index ${nul}`;
  const surrogate = UNPAIRED_SURROGATE.exec(text);
  if (surrogate)
    return `contains an unpaired UTF-16 surrogate (${hex(surrogate[0].charCodeAt(0))}) at index ${surrogate.index}`;
  return null;
}

/** `text` with NUL and unpaired surrogates replaced by U+FFFD: for free text (logs, error messages) that must not be lost. */
export function sanitizeText(text: string): string {
  if (textProblem(text) === null) return text;
  return text.replaceAll('\u0000', '\ufffd').replace(new RegExp(UNPAIRED_SURROGATE.source, 'g'), '\ufffd');
}

const pointerToken = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The first problem found in a JSON value (depth first), or null when it is safe: strings and keys free
 * of NUL and unpaired surrogates, no prototype key, nested at most `maxDepth` levels, only JSON types.
 */
export function jsonProblem(value: unknown, maxDepth: number = MAX_JSON_DEPTH): JsonProblem | null {
  return visit(value, '', 0, maxDepth);
}

function visit(value: unknown, path: string, depth: number, maxDepth: number): JsonProblem | null {
  if (value === null || typeof value === 'boolean') return null;
  if (typeof value === 'number')
    return Number.isFinite(value) ? null : { path, message: `${String(value)} is not a JSON number` };
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? { path, message: `string ${problem}` } : null;
  }
  if (typeof value !== 'object') return { path, message: `a ${typeof value} is not a JSON value` };
  if (depth >= maxDepth)
    return { path, message: `nested deeper than ${maxDepth} levels of arrays and objects` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = visit(value[i], `${path}/${i}`, depth + 1, maxDepth);
      if (found) return found;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    const at = `${path}/${pointerToken(key)}`;
    if (PROTOTYPE_KEYS.has(key))
      return { path: at, message: `the key "${key}" is not allowed (it reaches the object prototype)` };
    const problem = textProblem(key);
    if (problem) return { path: at, message: `key ${problem}` };
    const found = visit((value as Record<string, unknown>)[key], at, depth + 1, maxDepth);
    if (found) return found;
  }
  // `JSON.parse` defines an own `__proto__` property, which Object.keys lists; a literal `{ __proto__: x }` does not.
  if (Object.prototype.hasOwnProperty.call(value, '__proto__'))
    return {
      path: `${path}/__proto__`,
      message: 'the key "__proto__" is not allowed (it reaches the object prototype)',
    };
  return null;
}

/** `problem` as one line: `params/a/0: string contains …`. */
export function describeJsonProblem(where: string, problem: JsonProblem): string {
  return `${where}${problem.path}: ${problem.message}`;
}
