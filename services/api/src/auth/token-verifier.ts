import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../http/api-error.js';
import type { Principal } from './principal.js';
import { parseToken, secretMatches } from './token-secret.js';
import type { StoredToken, TokenStore } from './token-store.js';

/**
 * How long a verified token is trusted before its row is read again (one indexed read, no scrypt):
 * a revocation or expiry takes effect on every api replica within this bound (at once on the
 * replica that revoked).
 */
export const RECHECK_MS = 2_000;
/** Cached verifications (LRU); a miss costs one scrypt. */
const MAX_CACHED = 10_000;
/** A wrong secret is remembered this long, so that repeating it costs no scrypt. */
const FAILURE_MS = 30_000;
/** scrypt runs on libuv's thread pool: at most this many at once, and this many waiting, else 503. */
const MAX_HASHING = 4;
const MAX_WAITING = 256;
/** `last_used_at` is written at most this often per token. */
const TOUCH_EVERY_MS = 60_000;

interface Verified {
  principal: Principal;
  tokenId: string;
  expiresAt: number | null;
  checkedAt: number;
  touchedAt: number;
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();
const active = (row: StoredToken, now: number): boolean =>
  row.revoked_at === null && (row.expires_at === null || row.expires_at.getTime() > now);

/** Turns a bearer token into its principal: slow hash once, then a short-lived in-memory cache. */
export class TokenVerifier {
  private readonly verified = new Map<string, Verified>();
  private readonly failed = new Map<string, number>();
  /** Verifications under way, so that concurrent requests with one new token pay one scrypt. */
  private readonly pending = new Map<string, Promise<Principal | null>>();
  private hashing = 0;
  private readonly waiting: (() => void)[] = [];
  /** The bootstrap token this process registered: checked by digest, without scrypt. */
  private bootstrap: { digest: Buffer; tokenId: string } | null = null;

  constructor(
    private readonly store: TokenStore,
    private readonly recheckMs = RECHECK_MS,
  ) {}

  /** Remembers the bootstrap token this process registered (see registerBootstrapToken). */
  knowBootstrap(token: string, tokenId: string): void {
    this.bootstrap = { digest: digest(token), tokenId };
  }

  /** The caller of a token; null when unknown, wrong, expired or revoked. */
  async principalOf(token: string): Promise<Principal | null> {
    const key = digest(token).toString('base64url');
    const now = Date.now();
    const cached = this.verified.get(key);
    if (cached) {
      const still = await this.recheck(key, cached, now);
      // Not any more: verified afresh below (the bootstrap token may have moved to a new row).
      if (still) return still;
    }
    const failedAt = this.failed.get(key);
    if (failedAt !== undefined && now - failedAt < FAILURE_MS) return null;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.verify(token, key, now).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  private async verify(token: string, key: string, now: number): Promise<Principal | null> {
    const row = await this.candidateRow(token);
    if (!row?.secret_hash || !active(row, now)) return null;
    if (!(await this.matches(token, row))) {
      this.remember(this.failed, key, now);
      return null;
    }
    const entry: Verified = {
      principal: { name: row.name, role: row.role, tokenId: row.token_id },
      tokenId: row.token_id,
      expiresAt: row.expires_at?.getTime() ?? null,
      checkedAt: now,
      touchedAt: 0,
    };
    this.remember(this.verified, key, entry);
    await this.touch(entry, now);
    return entry.principal;
  }

  /** Drops what this process cached about a token (it was revoked here). */
  forget(tokenId: string): void {
    for (const [key, entry] of this.verified) if (entry.tokenId === tokenId) this.verified.delete(key);
  }

  /** `trb_<id>_<secret>` by id; any other string can only be the bootstrap token. */
  private candidateRow(token: string): Promise<StoredToken | undefined> {
    const parts = parseToken(token);
    return parts ? this.store.byId(parts.id) : this.store.activeBootstrap();
  }

  private async matches(token: string, row: StoredToken): Promise<boolean> {
    const parts = parseToken(token);
    if (!parts && this.bootstrap?.tokenId === row.token_id)
      return timingSafeEqual(digest(token), this.bootstrap.digest);
    return this.limited(() => secretMatches(parts ? parts.secret : token, row.secret_hash!));
  }

  private async recheck(key: string, entry: Verified, now: number): Promise<Principal | null> {
    // LRU: a hit moves the entry to the end.
    this.verified.delete(key);
    if (entry.expiresAt !== null && entry.expiresAt <= now) return null;
    if (now - entry.checkedAt >= this.recheckMs) {
      const row = await this.store.byId(entry.tokenId);
      if (!row || !active(row, now)) return null;
      entry.checkedAt = now;
    }
    this.verified.set(key, entry);
    void this.touch(entry, now);
    return entry.principal;
  }

  /** Writes `last_used_at` (at most once a minute per token); resolves once written, never rejects. */
  private touch(entry: Verified, now: number): Promise<void> {
    if (now - entry.touchedAt < TOUCH_EVERY_MS) return Promise.resolve();
    entry.touchedAt = now;
    // Best effort: a failed write of last_used_at must not fail the request.
    return this.store.touch(entry.tokenId).catch(() => undefined);
  }

  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    while (map.size > MAX_CACHED) map.delete(map.keys().next().value!);
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.hashing >= MAX_HASHING) {
      if (this.waiting.length >= MAX_WAITING) {
        throw new ApiError(503, 'unavailable', 'too many token checks at once; retry in a second');
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.hashing += 1;
    try {
      return await work();
    } finally {
      this.hashing -= 1;
      this.waiting.shift()?.();
    }
  }
}
