/** The parts of a stored pipeline spec (`GET /pipelines/:id?version=N` → `spec`) the run page draws. */
export interface SpecStage {
  id: string;
  kind: 'task' | 'group';
  map?: unknown;
  dependsOn?: string[];
  stages?: SpecStage[];
}
export interface PipelineSpecView {
  id: string;
  params?: unknown;
  stages: SpecStage[];
  consolidate?: unknown;
}

/** One task stage by its path (`market/retrieve`), where it sits and what it waits for. */
export interface StageNode {
  path: string;
  id: string;
  /** The group block path it runs in (`market`, `market/lang`), or null at the top. */
  block: string | null;
  mapped: boolean;
  /** Paths of the stages it depends on (inside its block; a block's first stages depend on nothing). */
  upstream: string[];
}

/**
 * Task stages in the order the spec writes them (depth first through group blocks), then the
 * consolidation — the grid's columns and the graph's nodes. A stage without `dependsOn` follows the one
 * before it in its block, as in the spec's chain rule.
 */
export function stageNodes(spec: PipelineSpecView): StageNode[] {
  const out: StageNode[] = [];
  const walk = (stages: SpecStage[], block: string | null, blockUpstream: string[]) => {
    let previous: string | null = null;
    for (const stage of stages) {
      const path = block ? `${block}/${stage.id}` : stage.id;
      const deps = stage.dependsOn
        ? stage.dependsOn.map((d) => (block ? `${block}/${d}` : d))
        : previous
          ? [previous]
          : blockUpstream;
      if (stage.kind === 'group') walk(stage.stages ?? [], path, deps);
      else out.push({ path, id: stage.id, block, mapped: stage.map != null, upstream: deps });
      previous = path;
    }
  };
  walk(spec.stages, null, []);
  if (spec.consolidate) {
    const lasts = out.filter((n) => !out.some((m) => m.upstream.includes(n.path))).map((n) => n.path);
    out.push({ path: 'consolidate', id: 'consolidate', block: null, mapped: false, upstream: lasts });
  }
  return out;
}
