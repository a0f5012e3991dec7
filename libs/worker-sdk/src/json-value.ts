import { MAX_JSON_DEPTH } from '@tributary/domain';
import type { Json } from './handler.js';

/** A value that cannot be stored as JSON; `path` says where (`output.items[3].price`). */
export class JsonValueError extends Error {
  override readonly name = 'JsonValueError';
  /** The same value fails the same way on every attempt. */
  readonly retryable = false;
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path} ${problem}`);
    this.path = path;
  }
}

/**
 * Copies `value` into plain JSON with JSON.stringify's semantics (toJSON is
 * honoured, undefined object properties are dropped, undefined array elements
 * become null), but throws a JsonValueError naming the path where stringify
 * would throw (BigInt, cycles) or silently lose data (NaN/Infinity, functions,
 * symbols, Map/Set, a Promise that was never awaited), or where arrays and objects nest deeper than
 * {@link MAX_JSON_DEPTH} levels (what Postgres and every reader accept; a deep value would also exhaust
 * this recursion). The copy detaches the result from objects the handler may keep mutating; a
 * `__proto__` key stays an own key of the copy (for `jsonProblem` to refuse), not its prototype.
 */
export function toJsonValue(value: unknown, path = 'value'): Json {
  return convert(value, path, '', []);
}

function convert(value: unknown, path: string, key: string, ancestors: object[]): Json {
  if (hasToJson(value)) value = value.toJSON(key);
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new JsonValueError(path, `is ${value} (not representable in JSON)`);
      return value;
    case 'bigint':
      throw new JsonValueError(
        path,
        'is a BigInt (not representable in JSON; convert it to a string or number)',
      );
    case 'function':
      throw new JsonValueError(path, 'is a function');
    case 'symbol':
      throw new JsonValueError(path, 'is a symbol');
    case 'undefined':
      // Only reachable at the top level or in an array: JSON turns both into null.
      return null;
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.includes(object)) throw new JsonValueError(path, 'is a circular reference');
  if (ancestors.length >= MAX_JSON_DEPTH)
    throw new JsonValueError(path, `is nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`);
  const problem = lossyObjectKind(object);
  if (problem !== undefined) throw new JsonValueError(path, problem);

  ancestors.push(object);
  try {
    if (Array.isArray(object)) {
      return object.map((element: unknown, index) =>
        convert(element, `${path}[${index}]`, String(index), ancestors),
      );
    }
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(object)) {
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') {
        // JSON.stringify drops these keys; a function-valued key is a bug worth naming.
        if (typeof v === 'function') throw new JsonValueError(childPath(path, k), 'is a function');
        continue;
      }
      const converted = convert(v, childPath(path, k), k, ancestors);
      if (k === '__proto__')
        Object.defineProperty(out, k, {
          value: converted,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[k] = converted;
    }
    return out;
  } finally {
    ancestors.pop();
  }
}

function hasToJson(value: unknown): value is { toJSON(key: string): unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  );
}

// Objects JSON.stringify turns into `{}` although they hold data.
function lossyObjectKind(object: object): string | undefined {
  if (object instanceof Map) return 'is a Map (convert it to an object or an array of entries)';
  if (object instanceof Set) return 'is a Set (convert it to an array)';
  if (object instanceof WeakMap || object instanceof WeakSet) return 'is a WeakMap/WeakSet';
  if (object instanceof Promise) return 'is a Promise (missing await?)';
  return undefined;
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}
