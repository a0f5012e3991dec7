import { accessSync, constants } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** Whether something accepts TCP connections at host:port within `timeoutMs`. */
export function tcpAnswers(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Host and port of a `nats://`, `postgres://` or `http://` URL, with the scheme's default port. */
export function hostPortOf(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  return {
    host: host === 'localhost' ? '127.0.0.1' : host,
    port: parsed.port ? Number(parsed.port) : defaultPort,
  };
}

/** Whether a URL's endpoint answers; false for an unparsable URL. */
export async function urlAnswers(url: string, defaultPort: number): Promise<boolean> {
  try {
    const { host, port } = hostPortOf(url.split(',')[0]!, defaultPort);
    return await tcpAnswers(host, port);
  } catch {
    return false;
  }
}

/** A TCP port nothing listens on right now (the OS picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

/** The first executable `name` on PATH, then in the extra directories; null when none. */
export function findExecutable(
  name: string,
  path: string | undefined = process.env.PATH,
  extraDirs: readonly string[] = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin'],
): string | null {
  const dirs = [...(path ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return null;
}
