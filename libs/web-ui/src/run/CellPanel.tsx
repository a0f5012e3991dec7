import type { StateCounts, TaskInstancePage, TaskInstanceView } from '@tributary/api-contract';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError } from '../api/api-error';
import { useSession } from '../session/session';
import { ErrorNote } from '../ui/ErrorNote';
import { StackedBar } from '../ui/StackedBar';
import { StateBadge } from '../ui/StateBadge';
import { formatDuration } from '../ui/time';

/** A grid cell: one stage in one group (null: outside any group). */
export interface CellRef {
  group: string | null;
  stage: string;
  counts: StateCounts;
}

const PAGE = 200;
const ROW = 30;

/**
 * The instances of one cell, a page of 200 at a time (`GET /runs/:id/tasks?group&stage&cursor`) as the
 * list scrolls: a cell of 10 000 mapped instances never loads them all. Filter by state; a row opens
 * the instance's drawer.
 */
export function CellPanel(props: {
  runId: string;
  cell: CellRef;
  version: number;
  onClose(): void;
  onTask(taskId: string): void;
}) {
  const { client } = useSession();
  const [state, setState] = useState('');
  const [tasks, setTasks] = useState<TaskInstanceView[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const loading = useRef(false);
  const scroller = useRef<HTMLDivElement>(null);
  const { group, stage } = props.cell;

  const load = useCallback(
    async (after: string | undefined, replace: boolean) => {
      if (loading.current) return;
      loading.current = true;
      try {
        const page = await client.get<TaskInstancePage>(`/runs/${encodeURIComponent(props.runId)}/tasks`, {
          group: group ?? '-',
          stage,
          limit: PAGE,
          state: state || undefined,
          cursor: after,
        });
        setTasks((t) => (replace ? page.tasks : [...t, ...page.tasks]));
        setCursor(page.nextCursor);
        setError(null);
      } catch (e) {
        setError(e as ApiError);
      } finally {
        loading.current = false;
      }
    },
    [client, props.runId, group, stage, state],
  );

  // First page again when the cell, the filter or the run (live) changes.
  useEffect(() => {
    void load(undefined, true);
  }, [load, props.version]);

  const virtual = useVirtualizer({
    count: tasks.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 20,
  });
  const items = virtual.getVirtualItems();
  const last = items[items.length - 1];
  useEffect(() => {
    if (last && last.index >= tasks.length - 20 && cursor) void load(cursor, false);
  }, [last, tasks.length, cursor, load]);

  return (
    <aside className="panel" aria-label={`Instances of ${stage} in ${group ?? 'the run'}`}>
      <header>
        <h2>
          {stage} <span className="muted">in {group ?? 'the run'}</span>
        </h2>
        <button type="button" onClick={props.onClose} aria-label="Close the instance list">
          ✕
        </button>
      </header>
      <div className="panel-tools">
        <StackedBar counts={props.cell.counts} />
        <label>
          State{' '}
          <select value={state} onChange={(e) => setState(e.target.value)}>
            <option value="">any</option>
            {Object.keys(props.cell.counts).map((s) => (
              <option key={s} value={s}>
                {s} ({props.cell.counts[s]})
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={error} />
      <div className="list-scroll" ref={scroller} role="list" aria-label="Task instances">
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const t = tasks[item.index]!;
            return (
              <div
                role="listitem"
                key={t.taskId}
                className="instance-row"
                style={{ position: 'absolute', top: item.start, height: ROW, left: 0, right: 0 }}
              >
                <button
                  type="button"
                  className="link"
                  onClick={() => props.onTask(t.taskId)}
                  title={t.taskId}
                >
                  {t.mapIndex !== null ? `[${t.mapIndex}]` : t.stage.split('/').pop()}
                </button>
                <span className="label">{t.label ?? ''}</span>
                <StateBadge state={t.state} />
                <span className="muted">try {t.attempt}</span>
                <span className="muted">{formatDuration(t.startedAt, t.finishedAt)}</span>
              </div>
            );
          })}
        </div>
      </div>
    </aside>
  );
}
