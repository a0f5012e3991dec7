export const TOKEN_KEY = 'tributary.token';

/**
 * The token lives in this tab's sessionStorage (gone when the tab closes). A link may carry it in its
 * fragment (`#token=…`: `tributary dev` and the demo print such a link); the fragment never reaches a
 * server, and it is removed from the address bar at once.
 */
export function takeTokenFromFragment(): string | null {
  const token = tokenOfFragment(window.location.hash);
  if (token === null) return null;
  history.replaceState(null, '', window.location.pathname + window.location.search);
  return token;
}

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** The token a fragment (`#token=…`) carries; null when none (or it is not valid percent-encoding). */
export function tokenOfFragment(hash: string): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(hash);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return null;
  }
}
