import { CliError } from '../errors.js';
import { devStatePath, readDevState } from './dev-state.js';

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
 * `.tributary/dev.json` of the working directory.
 *
 * That file may come with a cloned repository, so it is trusted only as far as it cannot leak a token:
 * its URL is used only when it is a loopback address (`tributary dev` writes nothing else; a file
 * pointing elsewhere is an error and nothing is sent), and its token only with its own loopback URL.
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
    const storedToken =
      stored && sameUrl(stored.apiUrl, url) && isLoopbackUrl(url) ? (stored.token ?? null) : null;
    return {
      url: trimSlash(url),
      token: token ?? storedToken,
      source: flags.apiUrl !== undefined ? 'flags' : 'environment',
    };
  }
  const stored = readDevState(cwd);
  if (stored) {
    if (!isLoopbackUrl(stored.apiUrl)) {
      throw new CliError(
        `${devStatePath(cwd)} points the CLI at ${stored.apiUrl}, which is not a loopback address; ` +
          '`tributary dev` writes only loopback URLs there, so this file came from elsewhere (a cloned repository?) ' +
          'and nothing was sent. To call that api, pass --api-url or set TRIBUTARY_API_URL.',
      );
    }
    return {
      url: trimSlash(stored.apiUrl),
      token: token ?? stored.token ?? null,
      source: '.tributary/dev.json',
    };
  }
  const port = nonEmpty(env.TRIBUTARY_API_PORT) ?? String(DEFAULT_API_PORT);
  return { url: `http://127.0.0.1:${port}`, token: token ?? null, source: token ? 'environment' : 'default' };
}

/** Whether a URL names this machine: 127.0.0.0/8, ::1 or `localhost` (a token sent there stays here). */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();
const trimSlash = (url: string): string => url.replace(/\/+$/, '');
const sameUrl = (a: string, b: string): boolean => trimSlash(a) === trimSlash(b);
