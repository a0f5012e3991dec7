import { toJsonPointer, type PathSegment } from './json-pointer.js';
import type { PipelineSpec, StageSpec } from './pipeline-spec.js';

/** The executor names live hosts serve: executor hosts run tasks, consolidators run `consolidate`. */
export interface ServedExecutors {
  readonly tasks: ReadonlySet<string>;
  readonly consolidation: ReadonlySet<string>;
}

/** A problem that does not stop an apply (hosts may start later). */
export interface SpecWarning {
  /** JSON Pointer into the spec, like validation issues. */
  readonly path: string;
  readonly message: string;
}

/**
 * One warning per executor of `spec` (tasks at any depth, the consolidation) that no live host serves,
 * in document order. Tasks need an executor host; the consolidation needs a consolidator.
 */
export function unservedExecutors(spec: PipelineSpec, served: ServedExecutors): SpecWarning[] {
  const warnings: SpecWarning[] = [];
  const visit = (stages: readonly StageSpec[], at: readonly PathSegment[]): void => {
    stages.forEach((stage, i) => {
      if (stage.kind === 'group') return visit(stage.stages, [...at, i, 'stages']);
      if (!served.tasks.has(stage.executor))
        warnings.push({
          path: toJsonPointer([...at, i, 'executor']),
          message: `no running host serves executor "${stage.executor}" (${servedBy(served.tasks, 'live hosts', 'executor host')})`,
        });
    });
  };
  visit(spec.stages, ['stages']);
  const consolidate = spec.consolidate;
  if (consolidate && !served.consolidation.has(consolidate.executor)) {
    warnings.push({
      path: '/consolidate/executor',
      message:
        `no running consolidator serves consolidation executor "${consolidate.executor}" ` +
        `(${servedBy(served.consolidation, 'live consolidators', 'consolidator')})`,
    });
  }
  return warnings;
}

function servedBy(names: ReadonlySet<string>, who: string, one: string): string {
  if (names.size === 0) return `no ${one} is running`;
  return `${who} serve: ${[...names].sort().join(', ')}`;
}
