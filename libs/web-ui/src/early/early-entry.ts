import type { EarlyRequests } from './early-requests';

/**
 * The page's first script, inline at the top of the built page (vite.config.ts): it starts
 * the requests a cold open waits for (`GET /session`, and on `/runs/<id>` the run's view and grid) while
 * the app's much larger bundle is still loading and compiling, and leaves them in a global for the app
 * (early-requests.ts). It imports nothing at run time, so it stays one small file; the token is read as
 * session/token-storage.ts reads it (the fragment is left for the app to remove). A unit test keeps the two
 * in step.
 */
export function startEarlyRequests(): EarlyRequests {
  const token = earlyToken(window.location.hash, (key) => sessionStorage.getItem(key));
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const get = (path: string) => fetch(`/api/v1${path}`, { headers });
  const path = window.location.pathname;
  const runId = runOfPath(path);
  const requests: EarlyRequests = {
    path,
    token,
    at: Date.now(),
    session: get('/session'),
    run: runId
      ? {
          runId,
          view: get(`/runs/${encodeURIComponent(runId)}`),
          grid: get(`/runs/${encodeURIComponent(runId)}/grid`),
        }
      : null,
  };
  // Unused answers (another page, a token refused) must not surface as unhandled rejections.
  for (const p of [requests.session, requests.run?.view, requests.run?.grid]) p?.catch(() => undefined);
  return requests;
}

/** The token of the link's fragment (`#token=…`), else this tab's stored one. */
export function earlyToken(hash: string, stored: (key: string) => string | null): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(hash);
  return (match && decoded(match[1]!)) ?? stored('tributary.token');
}

/** The run id (decoded) of a run page's path; null on any other page. */
export function runOfPath(path: string): string | null {
  const raw = /^\/runs\/([^/]+)$/.exec(path)?.[1];
  return raw ? decoded(raw) : null;
}

function decoded(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

// Once per page: inline in the built page, a module script in the dev server (vite.config.ts).
if (typeof window !== 'undefined' && typeof fetch === 'function' && !window.__tributaryEarlyRequests)
  window.__tributaryEarlyRequests = startEarlyRequests();
