/**
 * The `*_json` bytes fields of the schemas hold UTF-8 JSON text; empty bytes
 * mean "absent" (see proto/tributary/v1/common.proto).
 */
import { DecodeError, type DecodeResult } from './decode-error.js';

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Serialises `value` for a `*_json` field: `undefined` gives empty bytes
 * (absent), anything else its JSON text. Throws a `TypeError` for values JSON
 * cannot represent (bigint, cycles, functions, symbols).
 */
export function jsonToBytes(value: unknown): Uint8Array {
  if (value === undefined) return EMPTY;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new TypeError(`Value cannot be serialised as JSON: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  if (text === undefined) throw new TypeError(`Value of type ${typeof value} cannot be serialised as JSON`);
  return encoder.encode(text);
}

/**
 * Parses a `*_json` field: empty bytes give `{ ok: true, value: undefined }`;
 * invalid UTF-8 or JSON gives `{ ok: false }` with a {@link DecodeError}. Never throws.
 */
export function jsonFromBytes(bytes: Uint8Array): DecodeResult<unknown> {
  if (!(bytes instanceof Uint8Array)) {
    return { ok: false, error: new DecodeError('json', 0, new TypeError('expected a Uint8Array')) };
  }
  if (bytes.byteLength === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(decoder.decode(bytes)) as unknown };
  } catch (cause) {
    return { ok: false, error: new DecodeError('json', bytes.byteLength, cause) };
  }
}
