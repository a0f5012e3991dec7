import type { Json } from '../spec/pipeline-spec.js';

/**
 * The key of a secret marker: `{"$secret": <envelope>}` (an encrypted value, stored form) or
 * `{"$secret": "sha256:<hex>"}` (the redacted form everything outside the executors sees).
 */
export const SECRET_KEY = '$secret';

/** The redacted form of a secret: its envelope's digest. */
export interface RedactedSecret {
  $secret: string;
}

/** A JSON object whose only key is `$secret`: an envelope or a redacted secret. */
export function isSecretMarker(value: unknown): value is { $secret: unknown } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  let count = 0;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    if (key !== SECRET_KEY || ++count > 1) return false;
  }
  return count === 1;
}

/** A marker holding an envelope (an object), as opposed to a redacted digest (a string). */
export function isSecretEnvelopeMarker(value: unknown): value is { $secret: Record<string, Json> } {
  if (!isSecretMarker(value)) return false;
  const inner = value.$secret;
  return inner !== null && typeof inner === 'object' && !Array.isArray(inner);
}

/**
 * `value` with every secret marker replaced by `replace(marker)`. Returns `value` itself when it holds no
 * marker (no copy on the common path); objects and arrays on the way to a marker are copied.
 */
export function mapSecretMarkers(value: unknown, replace: (marker: { $secret: unknown }) => unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (isSecretMarker(value)) return replace(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const mapped = mapSecretMarkers(item, replace);
      if (mapped !== item) (copy ??= value.slice())[i] = mapped;
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | null = null;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    const mapped = mapSecretMarkers(item, replace);
    if (mapped !== item) (copy ??= { ...record })[key] = mapped;
  }
  return copy ?? value;
}

/**
 * The JSON pointer of the first secret marker in `value` (`base` + path), or null. The api refuses
 * params that carry one: markers are made by the engine, never supplied by a client.
 */
export function findSecretMarker(value: unknown, base = ''): string | null {
  if (value === null || typeof value !== 'object') return null;
  if (isSecretMarker(value)) return base === '' ? '/' : base;
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : Object.entries(value);
  for (const [key, item] of entries) {
    const found = findSecretMarker(item, `${base}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    if (found !== null) return found;
  }
  return null;
}

/**
 * Params as CEL expressions see them: each envelope replaced by its redacted form, using the digest the
 * envelope carries (the domain hashes nothing; the event store recomputes digests where they matter).
 */
export function redactSecretsForExpressions(value: Json): Json {
  return mapSecretMarkers(value, (marker) => {
    if (typeof marker.$secret === 'string') return marker;
    const inner = marker.$secret as Record<string, unknown> | null;
    const digest = inner !== null && typeof inner === 'object' ? inner['digest'] : undefined;
    return { [SECRET_KEY]: typeof digest === 'string' ? digest : 'sha256:unknown' };
  }) as Json;
}
