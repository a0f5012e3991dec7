import type { ApiRequest } from './http-types.js';

/** Whether the client sends a body with this request. */
export const hasBody = (req: ApiRequest): boolean =>
  Number(req.headers['content-length'] ?? '0') > 0 || req.headers['transfer-encoding'] !== undefined;

/**
 * After a refusal the api does not read the body, but it does not close the connection at once either:
 * a client still uploading would get a reset that can discard the answer before it is read (hence
 * "lingering close" in web servers). The rest is read and dropped for at most this long and this many
 * bytes, then the connection is cut; nothing is kept in memory.
 */
const LINGER_MS = 1000;
const LINGER_BYTES = 1024 * 1024;

/** Drops the unread rest of a refused request's body, within the bounds above. */
export function dropUnreadBody(req: ApiRequest): void {
  if (!hasBody(req) || req.complete || req.drainingBody) return;
  req.drainingBody = true;
  let dropped = 0;
  const cut = () => req.socket?.destroy();
  const timer = setTimeout(cut, LINGER_MS);
  timer.unref();
  const stop = () => clearTimeout(timer);
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_BYTES) cut();
  });
  req.once('end', stop);
  req.once('close', stop);
  req.resume();
}
