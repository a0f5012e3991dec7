import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Token format: `trb_<id>_<secret>`. The id (16 hex digits) is public: it is the row's primary key,
 * so a token is found without hashing anything, and an unknown id costs one indexed read. The
 * secret (32 random bytes, base64url) is stored only as a salted scrypt hash.
 */
export const TOKEN_PATTERN = /^trb_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface TokenParts {
  id: string;
  secret: string;
}

export const newTokenId = (): string => randomBytes(8).toString('hex');

/** A new token and its parts; the token is shown once and never stored. */
export function newToken(): TokenParts & { token: string } {
  const id = newTokenId();
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, token: `trb_${id}_${secret}` };
}

/** The id and secret of a token in the `trb_<id>_<secret>` format; null for any other string. */
export function parseToken(token: string): TokenParts | null {
  const match = TOKEN_PATTERN.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

/**
 * scrypt cost: N=2^14, r=8 (16 MiB, tens of milliseconds) — slow enough that a stolen table is of no
 * use against a human-chosen bootstrap token, cheap enough because verified tokens are cached
 * (see TokenVerifier). Parameters are stored with each hash, so they can be raised later.
 */
const COST = { N: 16_384, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

function derive(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, KEY_BYTES, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** `scrypt$N$r$p$<salt>$<hash>` (base64url) of a secret, with a fresh 16-byte salt. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether `secret` matches a {@link hashSecret} hash; compared in constant time. False for a malformed hash. */
export async function secretMatches(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (![N, r, p].every(Number.isSafeInteger) || expected.length !== KEY_BYTES) return false;
  const actual = await derive(secret, salt, { N, r, p });
  return timingSafeEqual(actual, expected);
}
