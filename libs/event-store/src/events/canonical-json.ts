/**
 * JSON with object keys sorted recursively (by UTF-16 code units, like
 * `Array.prototype.sort`) and no whitespace: the same JSON value always gives the
 * same text, whatever order its keys were built or stored in (jsonb reorders
 * them). For JSON values this matches RFC 8785 (JCS). `undefined` members are
 * dropped and `undefined` array items become `null`, as in `JSON.stringify`.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return canonicalJson(withToJson.toJSON());
  if (Array.isArray(value)) {
    return `[${value.map((item) => (isOmitted(item) ? 'null' : canonicalJson(item))).join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .filter((key) => !isOmitted(record[key]))
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  return `{${members.join(',')}}`;
}

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}
