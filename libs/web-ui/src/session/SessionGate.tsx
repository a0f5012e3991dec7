import type { SessionBody } from '@tributary/api-contract';
import { useCallback, useLayoutEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiClient } from '../api/api-client';
import { ApiError } from '../api/api-error';
import { takeEarlySession } from '../early/early-requests';
import { LoginPage } from '../pages/LoginPage';
import { prefetchRunPage } from '../run/run-prefetch';
import { SessionContext, type Role, type Session } from './session';
import { storedToken, storeToken, takeTokenFromFragment } from './token-storage';

type Gate =
  | { kind: 'checking' }
  | { kind: 'login'; problem: string | null }
  | { kind: 'in'; token: string | null; name: string; role: Role; traceUrl: string | null };

/** `GET /session` (the contract's SessionBody), its role one the UI knows. */
type Who = Omit<SessionBody, 'role'> & { role: Role };
/**
 * Who is this token? `GET /session` answers, or the api refuses it (401: log in again). On opening the
 * page the early entry has usually asked already (early/early-requests.ts): its answer is taken then.
 */
async function whoIs(token: string | null): Promise<Who> {
  const client = new ApiClient(token);
  const early = takeEarlySession(token);
  return early ? client.answer<Who>(early) : client.get<Who>('/session');
}

/**
 * Shows the login screen until a token the api accepts is known. A token in the link's fragment logs in
 * by itself (dev mode and the demo print such a link), and so does an api started with
 * `--insecure-no-auth` (it accepts calls without a token).
 */
export function SessionGate({ children }: { children: ReactNode }) {
  const [gate, setGate] = useState<Gate>({ kind: 'checking' });

  const login = useCallback(async (token: string | null): Promise<string | null> => {
    try {
      const who = await whoIs(token);
      storeToken(token);
      setGate({ kind: 'in', token, ...who });
      return null;
    } catch (error) {
      const problem = error instanceof ApiError ? error.describe() : String(error);
      return problem;
    }
  }, []);

  // A layout effect: it runs right after the first render, not a frame later (a passive effect waits for
  // the next paint), and on a cold open every frame before the login check's answer is used counts.
  useLayoutEffect(() => {
    const token = takeTokenFromFragment() ?? storedToken();
    prefetchRunPage(token);
    void (async () => {
      const problem = await login(token);
      if (problem === null) return;
      if (token) storeToken(null);
      // Without a token the api refuses (401) unless auth is off: no problem to show then.
      setGate({ kind: 'login', problem: token ? problem : null });
    })();
  }, [login]);

  const logout = useCallback(() => {
    storeToken(null);
    setGate({ kind: 'login', problem: null });
  }, []);

  const session = useMemo<Session | null>(() => {
    if (gate.kind !== 'in') return null;
    const client = new ApiClient(gate.token, () => {
      storeToken(null);
      setGate({ kind: 'login', problem: 'the api no longer accepts this token (revoked or expired)' });
    });
    return { name: gate.name, role: gate.role, traceUrl: gate.traceUrl, client, logout };
  }, [gate, logout]);

  if (gate.kind === 'checking')
    return (
      <p className="loading" role="status">
        Connecting to the api…
      </p>
    );
  if (gate.kind === 'login' || !session)
    return (
      <LoginPage problem={gate.kind === 'login' ? gate.problem : null} onLogin={(token) => login(token)} />
    );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
