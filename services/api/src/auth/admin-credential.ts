import { ConfigError } from '@tributary/runtime';
import { isLoopbackHost } from '../http/server-limits.js';
import type { TokenStore } from './token-store.js';

/**
 * The api does not start without a way in as admin — the bootstrap token, or an active admin token
 * in the database — unless auth is explicitly off, which is allowed on a loopback address only.
 */
export async function assertAdminCredential(
  store: TokenStore,
  options: { insecureNoAuth: boolean; host: string },
): Promise<void> {
  if (options.insecureNoAuth) {
    if (!isLoopbackHost(options.host)) {
      throw new ConfigError(
        `--insecure-no-auth (TRIBUTARY_INSECURE_NO_AUTH) serves every caller as admin: refused on ${options.host}; bind 127.0.0.1 (TRIBUTARY_API_HOST) or turn auth on`,
      );
    }
    return;
  }
  if (await store.hasActiveAdmin()) return;
  throw new ConfigError(
    'the api has no admin credential: set TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN (at least 32 characters, e.g. from `openssl rand -base64 32`) ' +
      'or keep an active admin token in the database; for a throwaway local api only, --insecure-no-auth (TRIBUTARY_INSECURE_NO_AUTH=1) serves without auth',
  );
}
