const KEY = 'tributary.token';

/**
 * The token lives in this tab's sessionStorage (gone when the tab closes). A link may carry it in its
 * fragment (`#token=…`: `tributary dev` and the demo print such a link); the fragment never reaches a
 * server, and it is removed from the address bar at once.
 */
export function takeTokenFromFragment(): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (!match) return null;
  const token = decodeURIComponent(match[1]!);
  history.replaceState(null, '', window.location.pathname + window.location.search);
  return token;
}

export function storedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeToken(token: string | null): void {
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
}
