import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../auth/principal.js';

/** The parts of an Express request the api reads (Express types are not a dependency). */
export interface ApiRequest extends IncomingMessage {
  /** Raw body bytes, read by `BodyInterceptor` (empty for requests without a body). */
  rawBody?: Buffer;
  /** The rest of a refused body is being read and dropped (`receiveBody`, `dropUnreadBody`). */
  drainingBody?: boolean;
  /** The authenticated caller, set by the `authenticate` middleware. */
  principal?: Principal;
  /** Why the request is not authenticated (no, malformed or unknown token), for the guard's 401. */
  authProblem?: string;
  /** The URL as received (Express rewrites `url` inside mounted routers). */
  originalUrl?: string;
  params: Record<string, string>;
  query: Record<string, unknown>;
  /** The matched Express route (its `path` is the route pattern). */
  route?: { path?: string };
}

/** The parts of an Express response the api writes. */
export interface ApiResponse extends ServerResponse {
  status(code: number): this;
  json(body: unknown): this;
}
