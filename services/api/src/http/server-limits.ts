import type { Server } from 'node:http';
import type { ApiEdgeConfig } from './edge-config.js';

/**
 * Bounds the HTTP server itself: open connections, time to send headers and the whole request, idle
 * keep-alive. Node checks the header and request timeouts on an interval (30 s by default): it is
 * set to a second so that a slow client is cut close to its bound.
 */
export function limitServer(server: Server, edge: ApiEdgeConfig): void {
  server.maxConnections = edge.maxConnections;
  server.headersTimeout = edge.headersTimeoutMs;
  server.requestTimeout = Math.max(edge.requestTimeoutMs, edge.headersTimeoutMs);
  server.keepAliveTimeout = edge.keepAliveTimeoutMs;
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = 1000;
}

/** Whether a bind address only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
