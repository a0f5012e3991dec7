import { readDevState } from './dev-state.js';

/** The runtime's default api port (`DEFAULT_API_PORT` of @tributary/runtime), kept here so api calls load no service wiring. */
const DEFAULT_API_PORT = 8080;

/** Where the CLI sends api calls, and with which token. */
export interface ApiTarget {
  url: string;
  token: string | null;
  /** Where the values came from, for error messages. */
  source: 'flags' | 'environment' | '.tributary/dev.json' | 'default';
}

/**
 * Flags first, then `TRIBUTARY_API_URL` / `TRIBUTARY_API_TOKEN`, then what `tributary dev` stored in
 * `.tributary/dev.json`; the stored token is used only with the stored URL (or with no URL configured).
 */
export function resolveApiTarget(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  flags: { apiUrl?: string; token?: string } = {},
): ApiTarget {
  const url = flags.apiUrl ?? nonEmpty(env.TRIBUTARY_API_URL);
  const token = flags.token ?? nonEmpty(env.TRIBUTARY_API_TOKEN);
  if (url !== undefined) {
    const stored = token === undefined ? readDevState(cwd) : null;
    const storedToken = stored && sameUrl(stored.apiUrl, url) ? (stored.token ?? null) : null;
    return {
      url: trimSlash(url),
      token: token ?? storedToken,
      source: flags.apiUrl !== undefined ? 'flags' : 'environment',
    };
  }
  const stored = readDevState(cwd);
  if (stored)
    return {
      url: trimSlash(stored.apiUrl),
      token: token ?? stored.token ?? null,
      source: '.tributary/dev.json',
    };
  const port = nonEmpty(env.TRIBUTARY_API_PORT) ?? String(DEFAULT_API_PORT);
  return { url: `http://127.0.0.1:${port}`, token: token ?? null, source: token ? 'environment' : 'default' };
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();
const trimSlash = (url: string): string => url.replace(/\/+$/, '');
const sameUrl = (a: string, b: string): boolean => trimSlash(a) === trimSlash(b);
