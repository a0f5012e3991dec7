/**
 * What the early entry (early-entry.ts) started before the app's bundle ran: the login check
 * (`GET /session`) and, on a run's page, the run's view and grid. The app takes each answer once
 * (session/SessionGate, run/run-prefetch), and only when it was started for the same page with the
 * same token a short while ago; otherwise it fetches afresh.
 */
export interface EarlyRequests {
  /** `location.pathname` when the requests started. */
  path: string;
  /** The token they carry (null: none, as with an api started with `--insecure-no-auth`). */
  token: string | null;
  /** `Date.now()` when they started. */
  at: number;
  session: Promise<Response> | null;
  /** On `/runs/<id>`: that run (its id decoded) and its view and grid requests. */
  run: { runId: string; view: Promise<Response>; grid: Promise<Response> } | null;
}

declare global {
  interface Window {
    /** Set by the early entry (a separate bundle: it hands its requests over through this global). */
    __tributaryEarlyRequests?: EarlyRequests;
  }
}

/** Early answers older than this are not used: the app fetches again. */
export const EARLY_FRESH_MS = 5000;

/** Whether early requests may stand for the app's own: same token, same page, started a short while ago. */
export function earlyFits(
  early: Pick<EarlyRequests, 'token' | 'path' | 'at'>,
  token: string | null,
  path: string,
  now: number,
): boolean {
  return early.token === token && early.path === path && now >= early.at && now - early.at < EARLY_FRESH_MS;
}

function early(token: string | null): EarlyRequests | null {
  const e = window.__tributaryEarlyRequests;
  return e && earlyFits(e, token, window.location.pathname, Date.now()) ? e : null;
}

/** The early `GET /session` for `token`, once; null when there is none (or it does not fit). */
export function takeEarlySession(token: string | null): Promise<Response> | null {
  const e = early(token);
  const session = e?.session ?? null;
  if (e) e.session = null;
  return session;
}

/** The early view and grid requests of `runId` for `token`, once; null when there are none. */
export function takeEarlyRun(
  token: string | null,
  runId: string,
): [Promise<Response>, Promise<Response>] | null {
  const e = early(token);
  const run = e?.run ?? null;
  if (e) e.run = null;
  return run && run.runId === runId ? [run.view, run.grid] : null;
}
