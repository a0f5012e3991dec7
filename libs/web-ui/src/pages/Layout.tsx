import type { ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { useSession } from '../session/session';

/** A main navigation link, marked current (class and aria-current) on its page and the pages below it. */
function NavLink({ to, children }: { to: string; children: ReactNode }) {
  const [path] = useLocation();
  const current = path === to || path.startsWith(`${to}/`);
  return (
    <Link to={to} className={current ? 'active' : ''} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const session = useSession();
  return (
    <>
      <header className="top">
        <a className="brand" href="/runs">
          Tributary
        </a>
        <nav aria-label="Main">
          <NavLink to="/runs">Runs</NavLink>
          <NavLink to="/pipelines">Pipelines</NavLink>
          <a href="/api/v1/docs">API</a>
        </nav>
        <span className="who">
          {session.name} <span className="role">({session.role})</span>
          <button type="button" className="link" onClick={session.logout}>
            Log out
          </button>
        </span>
      </header>
      <main className="page">{children}</main>
    </>
  );
}
