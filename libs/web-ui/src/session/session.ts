import { createContext, useContext } from 'react';
import type { ApiClient } from '../api/api-client';

export type Role = 'viewer' | 'operator' | 'admin';

/** Who the token is (`GET /session`) and the client that sends it. */
export interface Session {
  name: string;
  role: Role;
  /** Where a trace id opens (`{traceId}` in it), from TRIBUTARY_TRACE_URL; null when not configured. */
  traceUrl: string | null;
  client: ApiClient;
  logout(): void;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Whether the session's role reaches `role` (the api checks again on every call). */
export function may(session: Session, role: Role): boolean {
  return RANK[session.role] >= RANK[role];
}

/** The trace UI's address for a trace id, when one is configured. */
export function traceLink(session: Session, traceId: string | null): string | null {
  return session.traceUrl && traceId
    ? session.traceUrl.replace('{traceId}', encodeURIComponent(traceId))
    : null;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a logged-in page');
  return session;
}
