import { NavLink, Outlet } from 'react-router';
import { useSession } from '../session/session';

export function Layout() {
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
      <main className="page">
        <Outlet />
      </main>
    </>
  );
}
