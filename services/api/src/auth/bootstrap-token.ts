import { ConfigError } from '@tributary/runtime';
import {
  insertBootstrapToken,
  lockBootstrapRegistration,
  readActiveBootstrapSecret,
  revokeBootstrapTokens,
} from '@tributary/event-store';
import { BOOTSTRAP_TOKEN_NAME, type TokenStore } from './token-store.js';
import { hashSecret, newTokenId, parseToken, secretMatches } from './token-secret.js';
import type { TokenVerifier } from './token-verifier.js';

/** Shortest bootstrap token accepted: 32 characters (e.g. `openssl rand -base64 32` gives 44). */
export const MIN_BOOTSTRAP_TOKEN_LENGTH = 32;

/** Why a bootstrap token cannot be used, or null. */
export function bootstrapTokenProblem(token: string): string | null {
  if (token.length < MIN_BOOTSTRAP_TOKEN_LENGTH)
    return `is ${token.length} characters long; at least ${MIN_BOOTSTRAP_TOKEN_LENGTH} are needed (make one with \`openssl rand -base64 32\`)`;
  if (/\s/.test(token)) return 'contains white space; a bearer token cannot';
  if (parseToken(token))
    return 'has the form of a token made by `tributary tokens create` (trb_<id>_<secret>); give the bootstrap token a secret of its own';
  return null;
}

/**
 * Makes `token` the one active bootstrap admin token (`bootstrap-admin`): nothing changes when it is
 * already; otherwise the previous bootstrap token is revoked and this one stored (salted scrypt).
 * Returns what happened, for the log (which never sees the token).
 */
export async function registerBootstrapToken(
  store: TokenStore,
  verifier: TokenVerifier,
  token: string,
): Promise<'unchanged' | 'registered' | 'replaced'> {
  const problem = bootstrapTokenProblem(token);
  if (problem) throw new ConfigError(`TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN ${problem}`);
  const secretHash = await hashSecret(token);
  const outcome = await store.db.transaction().execute(async (tx) => {
    // Serialises bootstrap registration across api replicas starting at once.
    await lockBootstrapRegistration(tx);
    const current = await readActiveBootstrapSecret(tx);
    if (current?.secret_hash && (await secretMatches(token, current.secret_hash)))
      return { tokenId: current.token_id, what: 'unchanged' as const };
    // The previous bootstrap token, and any other active token holding the reserved name, go.
    await revokeBootstrapTokens(tx, BOOTSTRAP_TOKEN_NAME, new Date());
    const tokenId = newTokenId();
    await insertBootstrapToken(tx, { tokenId, secretHash, name: BOOTSTRAP_TOKEN_NAME });
    return { tokenId, what: current ? ('replaced' as const) : ('registered' as const) };
  });
  verifier.knowBootstrap(token, outcome.tokenId);
  return outcome.what;
}
