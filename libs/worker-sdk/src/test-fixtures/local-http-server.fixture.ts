import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP server on a loopback address, counting the requests it receives. */
export interface LocalHttpServer {
  /** `http://<host>:<port>` */
  base: string;
  port: number;
  requests: IncomingMessage[];
  close(): Promise<void>;
}

/** Starts a server on `host` (any of 127.0.0.0/8 binds on Linux) answering with `handle`. */
export async function startLocalHttpServer(
  host: string,
  handle: (req: IncomingMessage, res: ServerResponse, server: LocalHttpServer) => void,
): Promise<LocalHttpServer> {
  const requests: IncomingMessage[] = [];
  const state = {} as LocalHttpServer;
  const server: Server = createServer((req, res) => {
    requests.push(req);
    handle(req, res, state);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  Object.assign(state, {
    base: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  });
  return state;
}
