/** Freezes a plain object/array graph in place, recursively, and returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/**
 * A read-only view of `entries` that cannot be changed at run time (a frozen `Map` still has a
 * working `set`; this has none). Iterates in insertion order like a Map.
 */
export function frozenMap<K, V>(entries: Iterable<readonly [K, V]>): ReadonlyMap<K, V> {
  const inner = new Map<K, V>(entries);
  const view: ReadonlyMap<K, V> = {
    get size() {
      return inner.size;
    },
    get: (key) => inner.get(key),
    has: (key) => inner.has(key),
    keys: () => inner.keys(),
    values: () => inner.values(),
    entries: () => inner.entries(),
    forEach: (callback, thisArg?: unknown) =>
      inner.forEach((value, key) => callback.call(thisArg, value, key, view)),
    [Symbol.iterator]: () => inner[Symbol.iterator](),
  };
  return Object.freeze(view);
}
