import type { GridCell, RunViewBody } from '@tributary/api-contract';
import { useEffect, useRef, useState } from 'react';
import type { ApiError } from '../api/api-error';
import { openRunStream } from '../api/run-stream';
import { takePrefetchedRun } from './run-prefetch';
import { useSession } from '../session/session';

const FINISHED = new Set(['success', 'failed', 'cancelled', 'rejected']);
/** At most one refetch of the view and grid per this many ms, however fast events arrive. */
const REFRESH_MS = 750;

export interface RunLive {
  view: RunViewBody | undefined;
  grid: GridCell[] | undefined;
  error: ApiError | null;
  /** Whether the SSE stream is open (the page is live). */
  live: boolean;
  /** Bumped on every refresh: panels that list instances reload with it. */
  version: number;
  refresh(): void;
}

/**
 * The run view and its grid aggregates, kept current by the run's SSE stream (in progress mode: one
 * message per REFRESH_MS at most, not every event): the snapshot sets the view; each message marks the
 * page stale and the view and grid (server-side aggregates, small at any run size) are fetched again, at
 * most every REFRESH_MS. The stream ends when the run finishes; it is opened
 * again when an operator action makes the run move again (refresh()).
 */
export function useRunLive(runId: string): RunLive {
  const { client } = useSession();
  const [view, setView] = useState<RunViewBody>();
  const [grid, setGrid] = useState<GridCell[]>();
  const [error, setError] = useState<ApiError | null>(null);
  const [live, setLive] = useState(false);
  const [version, setVersion] = useState(0);
  const [streamEpoch, setStreamEpoch] = useState(0);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const fetching = useRef(false);

  const fetchNow = useRef<() => void>(() => {});
  fetchNow.current = () => {
    if (fetching.current) return schedule();
    fetching.current = true;
    const id = encodeURIComponent(runId);
    (
      takePrefetchedRun(runId) ??
      Promise.all([client.get<RunViewBody>(`/runs/${id}`), client.get<GridCell[]>(`/runs/${id}/grid`)])
    )
      .then(([v, g]) => {
        setView(v);
        setGrid(g);
        setError(null);
        setVersion((n) => n + 1);
      })
      .catch((e: ApiError) => setError(e))
      .finally(() => (fetching.current = false));
  };
  const schedule = () => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      fetchNow.current();
    }, REFRESH_MS);
  };

  useEffect(() => {
    fetchNow.current();
    let retry: ReturnType<typeof setTimeout> | undefined;
    const close = openRunStream(
      runId,
      client.headers(),
      {
        onMessage: (event, data) => {
          setLive(true);
          if (event === 'snapshot') setView(JSON.parse(data) as RunViewBody);
          schedule();
        },
        onEnd: () => {
          setLive(false);
          schedule();
        },
        onError: (e) => {
          setLive(false);
          if (e.status === 404) setError(e);
          // A dropped connection (api restart, proxy timeout): open again; the new snapshot misses nothing.
          if (e.status === 0 || e.status >= 500) retry = setTimeout(() => setStreamEpoch((n) => n + 1), 2000);
        },
      },
      { progressMs: REFRESH_MS },
    );
    return () => {
      close();
      if (retry) clearTimeout(retry);
      if (pending.current) clearTimeout(pending.current);
      pending.current = null;
    };
  }, [runId, client, streamEpoch]);

  const refresh = () => {
    fetchNow.current();
    if (!live) setStreamEpoch((n) => n + 1);
  };
  return { view, grid, error, live: live && !FINISHED.has(view?.run.state ?? ''), version, refresh };
}
