/**
 * The form of an event payload that its hash covers and that leaves the database (HTTP, SSE, exports).
 * Today it is the payload itself; secret values (issue #10) will be replaced here by their digest, so a
 * redacted export still verifies. Must be idempotent: applying it to its own output changes nothing.
 */
export function hashedPayload(payload: unknown): unknown {
  return payload;
}
