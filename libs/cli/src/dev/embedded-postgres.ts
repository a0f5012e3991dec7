import { createServer, type Server, type Socket } from 'node:net';
import { PGliteSessionScheduler } from './pglite-scheduler.js';

/** PGlite (Postgres in WebAssembly, in memory) served over the wire protocol on 127.0.0.1. */
export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts an in-memory PGlite and serves it on a free port of 127.0.0.1 with pglite-socket's connection
 * handler and {@link PGliteSessionScheduler} sharing its one session between every client connection.
 * For `tributary dev` only: one query at a time.
 */
export async function startEmbeddedPostgres(
  onWarning: (message: string) => void = () => undefined,
): Promise<EmbeddedPostgres> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketHandler } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  const scheduler = new PGliteSessionScheduler(db, onWarning);
  const handlers = new Set<InstanceType<typeof PGLiteSocketHandler>>();
  const server: Server = createServer((socket: Socket) => {
    const handler = new PGLiteSocketHandler({ queryQueue: scheduler as never, closeOnDetach: true });
    handlers.add(handler);
    const forget = () => handlers.delete(handler);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    handler.attach(socket).catch(() => socket.destroy());
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address === 'object' && address) resolve(address.port);
      else reject(new Error('embedded Postgres: no port'));
    });
  });
  let stopped: Promise<void> | null = null;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      stopped ??= (async () => {
        for (const handler of handlers) await handler.detach(true).catch(() => undefined);
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await db.close().catch(() => undefined);
      })();
      return stopped;
    },
  };
}
