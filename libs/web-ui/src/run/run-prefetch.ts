import type { GridCell, RunViewBody } from '@tributary/api-contract';
import { ApiClient } from '../api/api-client';
import { takeEarlyRun } from '../early/early-requests';

interface Prefetched {
  runId: string;
  at: number;
  data: Promise<[RunViewBody, GridCell[]]>;
}

let prefetched: Prefetched | null = null;
/** A prefetch older than this is not used (the run page fetches again). */
const FRESH_MS = 5000;
const RUN_PAGE = /^\/runs\/([^/]+)$/;

/**
 * Opening a run's page (a link, a reload) starts its view and grid requests at once, beside the login
 * check (`GET /session`), instead of after it and after the first render: one round trip less before
 * the grid shows. A refused token just fails these requests; the login screen follows from /session.
 * Usually the early entry (early/early-entry.ts) has started them already, before this bundle ran: then
 * its requests are taken.
 */
export function prefetchRunPage(token: string | null): void {
  const runId = RUN_PAGE.exec(window.location.pathname)?.[1];
  if (!runId) return;
  const client = new ApiClient(token);
  const id = encodeURIComponent(decodeURIComponent(runId));
  const early = takeEarlyRun(token, decodeURIComponent(runId));
  const data = Promise.all(
    early
      ? [client.answer<RunViewBody>(early[0]), client.answer<GridCell[]>(early[1])]
      : [client.get<RunViewBody>(`/runs/${id}`), client.get<GridCell[]>(`/runs/${id}/grid`)],
  );
  data.catch(() => undefined); // an unused failed prefetch is not an unhandled rejection
  prefetched = { runId: decodeURIComponent(runId), at: Date.now(), data };
}

/** The prefetched view and grid of `runId`, once (later calls fetch afresh); null when there is none. */
export function takePrefetchedRun(runId: string): Promise<[RunViewBody, GridCell[]]> | null {
  const p = prefetched;
  prefetched = null;
  return p && p.runId === runId && Date.now() - p.at < FRESH_MS ? p.data : null;
}
