import { createHash } from 'node:crypto';
import { mapSecretMarkers, SECRET_KEY } from '@tributary/domain';
import { canonicalJson } from './canonical-json.js';

/**
 * The form of an event payload that its hash covers and that leaves the database (HTTP, SSE, exports):
 * the payload with every secret envelope `{"$secret": {…}}` replaced by its redacted form
 * `{"$secret": "sha256:<hex>"}`. A redacted export therefore still verifies, and the digest still binds
 * the envelope: editing its ciphertext changes the digest and breaks the chain. Idempotent: redacted
 * markers (a string `$secret`) are left as they are.
 */
export function hashedPayload(payload: unknown): unknown {
  return mapSecretMarkers(payload, (marker) =>
    typeof marker.$secret === 'string' ? marker : { [SECRET_KEY]: secretEnvelopeDigest(marker.$secret) },
  );
}

/**
 * `sha256:` + hex SHA-256 of the canonical JSON of an envelope without its own `digest` member. Always
 * recomputed from the envelope (never read from it), so a swapped envelope cannot keep an old digest.
 */
export function secretEnvelopeDigest(envelope: unknown): string {
  let body: unknown = envelope;
  if (envelope !== null && typeof envelope === 'object' && !Array.isArray(envelope) && 'digest' in envelope) {
    const { digest: _digest, ...rest } = envelope as Record<string, unknown>;
    body = rest;
  }
  return `sha256:${createHash('sha256').update(canonicalJson(body)).digest('hex')}`;
}

const MARKER_TEXT = `"${SECRET_KEY}"`;

/**
 * The canonical JSON of `hashedPayload(payload)`, given the payload's own canonical JSON: the same text
 * unless it contains a `"$secret"` key (the fast path: no second walk for payloads without secrets).
 */
export function canonicalHashedPayload(payloadCanonical: string): string {
  if (!payloadCanonical.includes(MARKER_TEXT)) return payloadCanonical;
  return canonicalJson(hashedPayload(JSON.parse(payloadCanonical)));
}
