import { isCelList, isCelMap, isCelUint } from '@bufbuild/cel';
import type { Json } from './pipeline-spec.js';

/** A CEL result converted to JSON, or why it cannot be. */
export type JsonConversion = { ok: true; value: Json } | { ok: false; error: string };

/**
 * Converts a CEL value (or plain JS value) to plain JSON at the boundary: `bigint` and CEL `uint`
 * → number (refused outside ±2^53, where a JSON number is no longer exact), `CelList` → array,
 * `CelMap` → object (non-string keys are stringified), doubles → numbers (NaN/±Infinity refused).
 * Bytes, types, timestamps, durations and messages are refused: they have no JSON form here.
 */
export function celToJson(value: unknown): JsonConversion {
  try {
    return { ok: true, value: convert(value, '') };
  } catch (error) {
    if (error instanceof NotJsonError) return { ok: false, error: error.message };
    throw error;
  }
}

class NotJsonError extends Error {}

const where = (path: string): string => (path === '' ? 'the result' : `the result at ${path}`);

function convertInteger(value: bigint, path: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new NotJsonError(
      `${where(path)} is the integer ${value.toString()}, outside the range a JSON number represents exactly (±2^53)`,
    );
  }
  return Number(value);
}

function convert(value: unknown, path: string): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new NotJsonError(`${where(path)} is ${String(value)}, which is not a JSON number`);
    return value;
  }
  if (typeof value === 'bigint') return convertInteger(value, path);
  if (isCelUint(value)) return convertInteger(value.value, path);
  if (isCelList(value)) {
    const items: Json[] = [];
    let index = 0;
    for (const item of value) {
      items.push(convert(item, `${path}/${index}`));
      index += 1;
    }
    return items;
  }
  if (isCelMap(value)) {
    const object: Record<string, Json> = {};
    for (const [key, item] of value) {
      const name = isCelUint(key) ? key.value.toString() : String(key);
      object[name] = convert(item, `${path}/${name}`);
    }
    return object;
  }
  if (Array.isArray(value)) return value.map((item, index) => convert(item, `${path}/${index}`));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const object: Record<string, Json> = {};
    for (const [key, item] of Object.entries(value)) object[key] = convert(item, `${path}/${key}`);
    return object;
  }
  const kind =
    value instanceof Uint8Array
      ? 'bytes'
      : typeof value === 'object'
        ? 'a CEL type, timestamp, duration or message'
        : typeof value;
  throw new NotJsonError(`${where(path)} is ${kind}, which has no JSON form`);
}
