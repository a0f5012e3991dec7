import { Suspense, useEffect, useState } from 'react';
import { Link, useParams, useSearchParams } from 'wouter';
import type { CellRef } from '../run/CellPanel';
import { ConsolidationPanel } from '../run/ConsolidationPanel';
import { RunActions } from '../run/RunActions';
import { RunGrid } from '../run/RunGrid';
import { stageNodes, type PipelineSpecView } from '../run/pipeline-stages';
import { useRunLive } from '../run/use-run-live';
import { useSession } from '../session/session';
import { ErrorNote } from '../ui/ErrorNote';
import { StackedBar } from '../ui/StackedBar';
import { StateBadge } from '../ui/StateBadge';
import { lazyNamed } from '../ui/lazy';
import { formatDuration, formatTime } from '../ui/time';
import { useApi } from '../ui/use-api';

// Only the grid tab is in the bundle a cold open loads; the other tabs and the panels come when opened
// (the cell panel and the drawer are fetched ahead once the grid shows: they open on a click in it).
const StageGraph = lazyNamed(() => import('../run/StageGraph').then((m) => m.StageGraph));
const GroupTimeline = lazyNamed(() => import('../run/GroupTimeline').then((m) => m.GroupTimeline));
const AuditTimeline = lazyNamed(() => import('../run/AuditTimeline').then((m) => m.AuditTimeline));
const CellPanel = lazyNamed(() => import('../run/CellPanel').then((m) => m.CellPanel));
const TaskDrawer = lazyNamed(() => import('../run/TaskDrawer').then((m) => m.TaskDrawer));

function whenIdle(work: () => void): () => void {
  if (typeof requestIdleCallback === 'function') {
    const id = requestIdleCallback(work, { timeout: 2000 });
    return () => cancelIdleCallback(id);
  }
  const timer = setTimeout(work, 200);
  return () => clearTimeout(timer);
}

const loading = (
  <p role="status" className="muted">
    Loading…
  </p>
);

const TABS = ['grid', 'graph', 'timeline', 'audit'] as const;
type Tab = (typeof TABS)[number];

/** One run: header with its outcome and actions, then the grid (default), graph, timeline or audit tab. */
export function RunPage() {
  const runId = useParams<{ runId: string }>().runId;
  const { client } = useSession();
  const [search, setSearch] = useSearchParams();
  const tab = (TABS as readonly string[]).includes(search.get('tab') ?? '')
    ? (search.get('tab') as Tab)
    : 'grid';
  const run = useRunLive(runId);
  const view = run.view;
  const spec = useApi(view ? `${view.run.pipeline}@${view.run.version}` : 'none', (signal) =>
    view
      ? client
          .get<{ spec: PipelineSpecView }>(
            `/pipelines/${encodeURIComponent(view.run.pipeline)}`,
            { version: view.run.version },
            signal,
          )
          .then((p) => p.spec)
      : Promise.resolve(undefined),
  );
  const stages = spec.data ? stageNodes(spec.data) : [];
  const [cell, setCell] = useState<CellRef | null>(null);
  const taskId = search.get('task');
  const openTask = (id: string | null) => {
    const next = new URLSearchParams(search);
    if (id) next.set('task', id);
    else next.delete('task');
    setSearch(next);
  };
  const setTab = (t: Tab) => {
    setCell(null);
    const next = new URLSearchParams(search);
    next.set('tab', t);
    setSearch(next, { replace: true });
  };

  const shown = view !== undefined;
  useEffect(() => {
    if (!shown) return;
    return whenIdle(() => {
      void CellPanel.preload();
      void TaskDrawer.preload();
    });
  }, [shown]);

  if (!view) {
    return run.error ? <ErrorNote error={run.error} /> : <p role="status">Loading run {runId}…</p>;
  }
  return (
    <section className="run">
      <header className="run-head">
        <div>
          <h1>
            Run <code>{view.run.id}</code>
          </h1>
          <p>
            <Link to={`/pipelines/${encodeURIComponent(view.run.pipeline)}`}>{view.run.pipeline}</Link> v
            {view.run.version} · <StateBadge state={view.run.state} />
            {view.run.partial && (
              <span className="partial"> partial: {view.run.failedGroups.length} failed group(s)</span>
            )}{' '}
            ·{' '}
            {run.live ? (
              <span className="live" role="status">
                live
              </span>
            ) : (
              <span className="muted">not live</span>
            )}
          </p>
          <p className="muted">
            started {formatTime(view.run.createdAt)} ·{' '}
            {formatDuration(view.run.createdAt, view.run.finishedAt)} · {view.run.instances} task instances
          </p>
          {view.run.reason && <p className="reason">Reason: {view.run.reason}</p>}
        </div>
        <div className="run-side">
          <StackedBar counts={view.run.counts} />
          <RunActions view={view} onDone={run.refresh} />
        </div>
      </header>
      <ErrorNote error={run.error} />
      <div className="tabs" role="tablist" aria-label="Run views">
        {TABS.map((t) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
            {t}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={tab}>
        {tab === 'grid' && (
          <>
            <RunGrid view={view} grid={run.grid} stages={stages} onCell={setCell} onRefresh={run.refresh} />
            <ConsolidationPanel
              runId={runId}
              consolidation={JSON.stringify(
                run.grid?.find((c) => c.group === null && c.stage === 'consolidate')?.counts ?? {},
              )}
              onTask={openTask}
            />
          </>
        )}
        {tab !== 'grid' && (
          <Suspense fallback={loading}>
            {tab === 'graph' && <StageGraph stages={stages} counts={view.stages} />}
            {tab === 'timeline' && (
              <GroupTimeline
                runId={runId}
                groups={view.groups.map((g) => g.path)}
                onTask={openTask}
                version={run.version}
              />
            )}
            {tab === 'audit' && <AuditTimeline runId={runId} />}
          </Suspense>
        )}
      </div>
      {cell && (
        <Suspense fallback={null}>
          <CellPanel
            runId={runId}
            // The counts as the grid has them now (the run is live), not as they were when clicked.
            cell={{
              ...cell,
              counts:
                run.grid?.find((c) => c.group === cell.group && c.stage === cell.stage)?.counts ??
                cell.counts,
            }}
            version={run.version}
            onClose={() => setCell(null)}
            onTask={openTask}
          />
        </Suspense>
      )}
      {taskId && (
        <Suspense fallback={null}>
          <TaskDrawer
            runId={runId}
            taskId={taskId}
            version={run.version}
            onClose={() => openTask(null)}
            onDone={run.refresh}
          />
        </Suspense>
      )}
    </section>
  );
}
