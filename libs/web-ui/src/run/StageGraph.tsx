import type { StateCounts } from '@tributary/api-contract';
import { stateColor, summaryState, total } from '../ui/task-states';
import type { StageNode } from './pipeline-stages';

const W = 170;
const H = 54;
const GAP_X = 60;
const GAP_Y = 24;

/**
 * The pipeline's stages as a graph (columns by depth along `dependsOn`), each node coloured by the
 * worst state of its instances over every group and showing their count — live with the run view.
 */
export function StageGraph({
  stages,
  counts,
}: {
  stages: StageNode[];
  counts: { stage: string; counts: StateCounts }[];
}) {
  const depth = new Map<string, number>();
  const depthOf = (n: StageNode): number => {
    const known = depth.get(n.path);
    if (known !== undefined) return known;
    const d =
      n.upstream.length === 0
        ? 0
        : 1 +
          Math.max(
            ...n.upstream.map((u) => depthOf(stages.find((s) => s.path === u) ?? { ...n, upstream: [] })),
          );
    depth.set(n.path, d);
    return d;
  };
  const columns = new Map<number, StageNode[]>();
  for (const s of stages) {
    const d = depthOf(s);
    columns.set(d, [...(columns.get(d) ?? []), s]);
  }
  const pos = new Map<string, { x: number; y: number }>();
  for (const [d, nodes] of columns)
    nodes.forEach((n, i) => pos.set(n.path, { x: 10 + d * (W + GAP_X), y: 10 + i * (H + GAP_Y) }));
  const width = 20 + columns.size * (W + GAP_X);
  const height = 20 + Math.max(1, ...[...columns.values()].map((c) => c.length)) * (H + GAP_Y);
  const countsOf = new Map(counts.map((c) => [c.stage, c.counts]));

  return (
    <svg
      className="graph"
      width={width}
      height={height}
      role="img"
      aria-label="Stages of the pipeline and their state"
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="10"
          refY="5"
          markerWidth="6"
          markerHeight="6"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" fill="#57606a" />
        </marker>
      </defs>
      {stages.flatMap((s) =>
        s.upstream.map((u) => {
          const a = pos.get(u);
          const b = pos.get(s.path);
          if (!a || !b) return null;
          return (
            <line
              key={`${u}->${s.path}`}
              x1={a.x + W}
              y1={a.y + H / 2}
              x2={b.x}
              y2={b.y + H / 2}
              stroke="#57606a"
              markerEnd="url(#arrow)"
            />
          );
        }),
      )}
      {stages.map((s) => {
        const p = pos.get(s.path)!;
        const c = countsOf.get(s.path) ?? {};
        const state = total(c) > 0 ? summaryState(c) : 'pending';
        return (
          <g key={s.path} transform={`translate(${p.x},${p.y})`}>
            <title>{`${s.path}: ${
              Object.entries(c)
                .map(([k, n]) => `${n} ${k}`)
                .join(', ') || 'no instances yet'
            }`}</title>
            <rect width={W} height={H} rx={6} fill="#fff" stroke={stateColor(state)} strokeWidth={3} />
            <text x={10} y={22} fontWeight={600}>
              {s.block ? `${s.block.split('/').pop()}/` : ''}
              {s.id}
              {s.mapped ? ' [ ]' : ''}
            </text>
            <text x={10} y={42} fontSize={12} fill="#24292f">
              {total(c)} · {state}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
