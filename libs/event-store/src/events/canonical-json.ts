/**
 * JSON with object keys sorted recursively (by UTF-16 code units, like
 * `Array.prototype.sort`) and no whitespace: the same JSON value always gives the
 * same text, whatever order its keys were built or stored in (jsonb reorders
 * them). For JSON values this matches RFC 8785 (JCS). `undefined` members are
 * dropped and `undefined` array items become `null`, as in `JSON.stringify`.
 *
 * Written with plain loops and string concatenation: the planner hashes every event it appends, so
 * this is on the write path (a `map`/`filter`/`join` version cost ~3× as much).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return canonicalJson(withToJson.toJSON());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += isOmitted(item) ? 'null' : canonicalJson(item);
    }
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (!isSorted(keys)) keys.sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (isOmitted(member)) continue;
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(key) + ':' + canonicalJson(member);
  }
  return out + '}';
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}
