import { useState, type FormEvent } from 'react';

/** Takes a bearer token (from `tributary tokens create`, or the bootstrap admin token). */
export function LoginPage({
  problem,
  onLogin,
}: {
  problem: string | null;
  onLogin(token: string): Promise<string | null>;
}) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(problem);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(await onLogin(token.trim()));
    setBusy(false);
  }

  return (
    <main className="login">
      <h1>Tributary</h1>
      <form onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="current-password"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          required
        />
        <p className="hint">
          A token from <code>tributary tokens create</code>, or the bootstrap admin token. It stays in this
          tab only.
        </p>
        <button type="submit" disabled={busy || token.trim() === ''}>
          Log in
        </button>
        {error && (
          <p id="login-error" className="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
