import type { GridCell, RunViewBody, StateCounts } from '@tributary/api-contract';
import { useMemo, useRef, useState } from 'react';
import { may, useSession } from '../session/session';
import { useRowWindow } from '../ui/row-window';
import { StackedBar } from '../ui/StackedBar';
import { StateBadge } from '../ui/StateBadge';
import { stateColor, summaryState, total } from '../ui/task-states';
import type { CellRef } from './CellPanel';
import { gridRows } from './grid-model';
import type { StageNode } from './pipeline-stages';
import { RetryGroupButton } from './RetryGroupButton';

const ROW_HEIGHT = 34;

/**
 * Airflow's grid, turned for fan-out: rows are groups (nested groups under their parent, collapsible),
 * columns are stages, each cell the instances of one stage in one group. A cell of one instance is a
 * square in its state's colour; a mapped cell shows its count and a stacked bar of its states. Rows are
 * virtualised: a run of 10 000 groups draws the ~30 rows on screen. A cell opens its instance list.
 */
export function RunGrid(props: {
  view: RunViewBody;
  grid: GridCell[] | undefined;
  stages: StageNode[];
  onCell(cell: CellRef): void;
  onRefresh(): void;
}) {
  const session = useSession();
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const rows = useMemo(() => gridRows(props.grid ?? [], collapsed), [props.grid, collapsed]);
  const groups = useMemo(() => new Map(props.view.groups.map((g) => [g.path, g])), [props.view.groups]);
  const columns = props.stages.length > 0 ? props.stages : fallbackColumns(props.grid ?? []);
  const scroller = useRef<HTMLDivElement>(null);
  const { start, end, before, after } = useRowWindow(scroller, rows.length, ROW_HEIGHT, 12);
  const ready = props.grid !== undefined;
  const toggle = (path: string) =>
    setCollapsed((c) => {
      const next = new Set(c);
      if (!next.delete(path)) next.add(path);
      return next;
    });

  return (
    <div className="grid-scroll" ref={scroller} data-testid="run-grid" data-ready={ready ? 'true' : 'false'}>
      <table className="grid">
        <caption className="sr-only">Task instances per group (rows) and stage (columns)</caption>
        <thead>
          <tr>
            <th scope="col">Group</th>
            {columns.map((c) => (
              <th scope="col" key={c.path} title={c.path}>
                {c.id}
                {c.mapped && <span className="muted"> [ ]</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {before > 0 && <tr style={{ height: before }} aria-hidden="true" />}
          {rows.slice(start, end).map((row) => {
            const group = row.path ? groups.get(row.path) : undefined;
            return (
              <tr key={row.path ?? '(run)'} style={{ height: ROW_HEIGHT }}>
                <th scope="row" style={{ paddingLeft: `${0.5 + row.depth * 1.25}rem` }}>
                  {row.parent && (
                    <button
                      type="button"
                      className="toggle"
                      aria-expanded={!collapsed.has(row.path!)}
                      aria-label={`${collapsed.has(row.path!) ? 'Expand' : 'Collapse'} ${row.path}`}
                      onClick={() => toggle(row.path!)}
                    >
                      {collapsed.has(row.path!) ? '▸' : '▾'}
                    </button>
                  )}
                  <span title={row.path ?? 'outside any group'}>{row.name}</span>
                  {group?.label && <span className="label"> {group.label}</span>}
                  {group && <StateBadge state={group.state} />}
                  {row.path && may(session, 'operator') && (
                    <RetryGroupButton runId={props.view.run.id} group={row.path} onDone={props.onRefresh} />
                  )}
                </th>
                {columns.map((c) => {
                  const counts = row.cells.get(c.path);
                  return (
                    <td key={c.path}>
                      {counts && (
                        <Cell
                          counts={counts}
                          label={`${row.path ?? 'run'} · ${c.path}`}
                          onOpen={() => props.onCell({ group: row.path, stage: c.path, counts })}
                        />
                      )}
                    </td>
                  );
                })}
              </tr>
            );
          })}
          {after > 0 && <tr style={{ height: after }} aria-hidden="true" />}
        </tbody>
      </table>
      {ready && rows.length === 0 && <p>No task instances yet.</p>}
    </div>
  );
}

function Cell({ counts, label, onOpen }: { counts: StateCounts; label: string; onOpen(): void }) {
  const n = total(counts);
  const state = summaryState(counts);
  const text = Object.entries(counts)
    .map(([s, k]) => `${k} ${s}`)
    .join(', ');
  return (
    <button
      type="button"
      className={`cell state-${state}`}
      aria-label={`${label}: ${text}`}
      title={text}
      onClick={onOpen}
    >
      {n === 1 ? (
        <span className="square" style={{ background: stateColor(state) }} />
      ) : (
        <>
          <span className="count">{n}</span>
          <StackedBar counts={counts} />
        </>
      )}
    </button>
  );
}

/** Before the spec has loaded: the grid's own stage paths, sorted. */
function fallbackColumns(grid: GridCell[]): StageNode[] {
  return [...new Set(grid.map((c) => c.stage))]
    .sort()
    .map((path) => ({ path, id: path.split('/').pop()!, block: null, mapped: false, upstream: [] }));
}
