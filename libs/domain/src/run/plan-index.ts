import type { CompiledPlan, PlanNode } from '../spec/compiled-plan.js';

/** A stage reached from another: `levelsUp` group levels above the referring instance's group. */
export interface StageRef {
  readonly path: string;
  readonly levelsUp: number;
}

/**
 * Lookups derived once per compiled plan so the decider never walks the whole graph per event.
 * Airflow TaskGroup rules: a block's roots inherit the block's upstreams; depending on a block means
 * depending on every task of every group in it (DESIGN §4).
 */
export interface PlanIndex {
  node(path: string): PlanNode;
  /** Effective direct upstreams of a stage: its own, plus, for a block root, the block's (recursively). */
  upstreamRefs(path: string): readonly StageRef[];
  /**
   * Upstreams whose outputs CEL sees as `upstream.<id>`: the stage's own, then those of every enclosing
   * block (a stage deep in a block may read what the block depends on). Inner ids shadow outer ones.
   */
  visibleUpstreamRefs(path: string): readonly StageRef[];
  /** Stages whose counters a finishing instance of `path` updates (including through enclosing blocks). */
  dependentRefs(path: string): readonly StageRef[];
  /** Children of a block with no upstream inside it. */
  roots(blockPath: string): readonly string[];
  children(blockPath: string | null): readonly string[];
  isLeaf(path: string): boolean;
  /** Top-level group blocks: when any exist, the consolidation counts their groups' outcomes. */
  readonly topLevelBlocks: readonly string[];
  readonly consolidationPath: string | null;
  readonly consolidationOverGroups: boolean;
}

const cache = new WeakMap<CompiledPlan, PlanIndex>();

export function planIndexOf(plan: CompiledPlan): PlanIndex {
  const cached = cache.get(plan);
  if (cached) return cached;
  const built = buildPlanIndex(plan);
  cache.set(plan, built);
  return built;
}

function buildPlanIndex(plan: CompiledPlan): PlanIndex {
  const nodes = new Map<string, PlanNode>(plan.nodes);
  const consolidation = plan.consolidation;
  if (consolidation) nodes.set(consolidation.path, consolidation);
  const node = (path: string): PlanNode => {
    const found = nodes.get(path);
    if (!found) throw new Error(`plan has no stage ${path}`);
    return found;
  };
  const topLevelBlocks = plan.roots.filter((p) => node(p).kind === 'group');
  const consolidationOverGroups = consolidation !== null && topLevelBlocks.length > 0;

  const childrenOf = new Map<string | null, string[]>();
  for (const n of nodes.values()) {
    if (consolidation && n.path === consolidation.path) continue;
    const list = childrenOf.get(n.blockPath) ?? [];
    list.push(n.path);
    childrenOf.set(n.blockPath, list);
  }

  // Same-level downstream, plus the consolidation when it depends on top-level leaves directly.
  const downstreamOf = (path: string): string[] => {
    const n = node(path);
    const list = [...n.downstream];
    if (
      consolidation &&
      !consolidationOverGroups &&
      n.blockPath === null &&
      consolidation.upstream.includes(path)
    ) {
      if (!list.includes(consolidation.path)) list.push(consolidation.path);
    }
    return list;
  };
  const upstreamOf = (path: string): readonly string[] => {
    if (consolidation && path === consolidation.path)
      return consolidationOverGroups ? [] : consolidation.upstream;
    return node(path).upstream;
  };

  const upstreamRefs = new Map<string, StageRef[]>();
  const dependentRefs = new Map<string, StageRef[]>();
  const computeUpstream = (path: string): StageRef[] => {
    const own = upstreamOf(path).map((p) => ({ path: p, levelsUp: 0 }));
    const n = node(path);
    if (own.length > 0 || n.blockPath === null) return own;
    return computeUpstream(n.blockPath).map((r) => ({ path: r.path, levelsUp: r.levelsUp + 1 }));
  };
  const computeDependents = (path: string): StageRef[] => {
    const own = downstreamOf(path).map((p) => ({ path: p, levelsUp: 0 }));
    const n = node(path);
    if (n.blockPath === null) return own;
    return [
      ...own,
      ...computeDependents(n.blockPath).map((r) => ({ path: r.path, levelsUp: r.levelsUp + 1 })),
    ];
  };
  const visibleRefs = new Map<string, StageRef[]>();
  const computeVisible = (path: string): StageRef[] => {
    const refs = upstreamOf(path).map((p) => ({ path: p, levelsUp: 0 }));
    const n = node(path);
    if (n.blockPath === null) return refs;
    const seen = new Set(refs.map((r) => node(r.path).id));
    for (const outer of computeVisible(n.blockPath)) {
      const id = node(outer.path).id;
      if (seen.has(id)) continue;
      seen.add(id);
      refs.push({ path: outer.path, levelsUp: outer.levelsUp + 1 });
    }
    return refs;
  };
  const leaves = new Set<string>();
  const computeLeaf = (path: string): boolean => {
    if (consolidation && path === consolidation.path) return true;
    const n = node(path);
    if (downstreamOf(path).length > 0) return false;
    if (n.blockPath === null) return !(consolidationOverGroups && n.kind === 'group');
    return computeLeaf(n.blockPath);
  };
  for (const path of nodes.keys()) {
    upstreamRefs.set(path, computeUpstream(path));
    dependentRefs.set(path, computeDependents(path));
    visibleRefs.set(path, computeVisible(path));
    if (computeLeaf(path)) leaves.add(path);
  }
  const roots = new Map<string, string[]>();
  for (const [blockPath, children] of childrenOf) {
    if (blockPath === null) continue;
    roots.set(
      blockPath,
      children.filter((c) => node(c).upstream.length === 0),
    );
  }

  return {
    node,
    upstreamRefs: (path) => upstreamRefs.get(path) ?? [],
    dependentRefs: (path) => dependentRefs.get(path) ?? [],
    visibleUpstreamRefs: (path) => visibleRefs.get(path) ?? [],
    roots: (blockPath) => roots.get(blockPath) ?? [],
    children: (blockPath) => childrenOf.get(blockPath) ?? [],
    isLeaf: (path) => leaves.has(path),
    topLevelBlocks,
    consolidationPath: consolidation?.path ?? null,
    consolidationOverGroups,
  };
}
