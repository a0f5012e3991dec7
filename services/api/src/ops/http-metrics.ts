import type { ApiRequest, ApiResponse } from '../http/http-types.js';

/** `tributary_http_requests_total{route,status}`: per route pattern (never the raw URL), per status. */
export class HttpMetrics {
  private readonly counts = new Map<string, { route: string; status: string; count: number }>();

  record(route: string, status: number): void {
    const key = `${route}\u0000${status}`;
    const entry = this.counts.get(key);
    if (entry) entry.count++;
    else this.counts.set(key, { route, status: String(status), count: 1 });
  }

  entries(): { route: string; status: string; count: number }[] {
    return [...this.counts.values()].sort((a, b) =>
      a.route === b.route ? a.status.localeCompare(b.status) : a.route < b.route ? -1 : 1,
    );
  }

  /** Express middleware counting each response once it is finished (or the client went away). */
  middleware() {
    return (req: ApiRequest, res: ApiResponse, next: () => void): void => {
      let counted = false;
      const count = () => {
        if (counted) return;
        counted = true;
        this.record(routeOf(req), res.statusCode);
      };
      res.on('finish', count);
      res.on('close', count);
      next();
    };
  }
}

/** The matched route pattern; `unmatched` for requests no route took (Nest's catch-all is `*path`). */
export function routeOf(req: ApiRequest): string {
  const path = req.route?.path;
  return typeof path === 'string' && path.startsWith('/') ? path : 'unmatched';
}
