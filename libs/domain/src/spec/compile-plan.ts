import { compileExpression } from './cel-expression.js';
import type {
  CompiledExpression,
  CompiledListSource,
  CompiledPlan,
  PlanBlockNode,
  PlanNode,
  PlanTaskNode,
} from './compiled-plan.js';
import { deepFreeze, frozenMap } from './deep-freeze.js';
import { compileInputTemplate } from './input-template.js';
import { compileParamsSchema, type ParamsValidator } from './params-schema.js';
import type {
  ConsolidateSpec,
  ListSource,
  PipelineSpec,
  StageSpec,
  TaskSettings,
  TaskStageSpec,
} from './pipeline-spec.js';
import { CONSOLIDATE_ID } from './pipeline-spec.schema.js';
import { secretParamPaths } from './secret-params.js';

/** Thrown by {@link compilePlan} for a spec that did not come from `parsePipelineSpec` and is invalid. */
export class PlanCompileError extends Error {
  override readonly name = 'PlanCompileError';
}

/**
 * Compiles a validated spec once into an immutable graph:
 *
 * - node paths: `prepare`, a block `market` (its group name path), `market/retrieve`, nested
 *   `market/lang/translate`; `nodes` holds every node by path, the consolidation included;
 *   `roots` lists the top-level paths in spec order (not the consolidation).
 * - `upstream`/`downstream`: direct edges at the same level, as paths.
 * - `mapSuppliers`/`overSuppliers`: the ids of same-level direct upstreams the `map`/`over`
 *   expression reads (not paths; enclosing blocks' upstreams are not suppliers).
 * - the consolidation (`consolidate`, `isConsolidation: true`, `blockPath: null`): upstream = the
 *   top-level group blocks, or, when there are none, the top-level leaves. It is not added to those
 *   nodes' `downstream` (it is not a same-level edge).
 * - every CEL expression, input template and the params schema compiled once; `validateParams`
 *   copies the payload, applies schema `default`s (Ajv `useDefaults`), coerces nothing, and
 *   refuses non-objects; a null params schema accepts any JSON object.
 *
 * The result, its nodes and its (copied) spec are deeply frozen. Throws {@link PlanCompileError}
 * when an expression does not compile, and `validateParams` when the params schema does not (never
 * for a parsed spec: parsing compiles the schema).
 */
export function compilePlan(input: PipelineSpec): CompiledPlan {
  const spec = deepFreeze(structuredCopy(input));
  const nodes = new Map<string, PlanNode>();
  const roots = compileLevel(spec.stages, null, nodes);
  const consolidation = spec.consolidate === null ? null : compileConsolidation(spec, roots, nodes);
  if (consolidation !== null) nodes.set(consolidation.path, consolidation);
  // Compiled on first use: only a run's start validates params, and an Ajv compile costs ~100 ms of
  // CPU that the fan-in, the consolidator and a planner refolding a run would otherwise pay per version.
  let validate: ParamsValidator | null = null;
  const validateParams: ParamsValidator = (payload) => {
    if (validate === null) {
      const params = compileParamsSchema(spec.params);
      if (!params.ok)
        throw new PlanCompileError(
          `params schema: ${params.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
        );
      validate = params.validate;
    }
    return validate(payload);
  };
  const plan: CompiledPlan = {
    spec,
    nodes: frozenMap(nodes),
    roots: Object.freeze(roots),
    consolidation,
    secretParams: Object.freeze(secretParamPaths(spec.params)),
    validateParams,
  };
  return Object.freeze(plan);
}

const joinPath = (blockPath: string | null, id: string): string =>
  blockPath === null ? id : `${blockPath}/${id}`;

function compileLevel(
  stages: readonly StageSpec[],
  blockPath: string | null,
  nodes: Map<string, PlanNode>,
): string[] {
  const downstream = new Map<string, string[]>(stages.map((stage) => [stage.id, []]));
  for (const stage of stages) {
    for (const upstreamId of stage.dependsOn) downstream.get(upstreamId)?.push(joinPath(blockPath, stage.id));
  }
  return stages.map((stage) => {
    const path = joinPath(blockPath, stage.id);
    const base = {
      path,
      id: stage.id,
      blockPath,
      upstream: Object.freeze(stage.dependsOn.map((id) => joinPath(blockPath, id))),
      downstream: Object.freeze(downstream.get(stage.id) ?? []),
      triggerRule: stage.triggerRule,
    };
    const suppliersOf = (refs: readonly string[]): readonly string[] =>
      Object.freeze(refs.filter((ref) => stage.dependsOn.includes(ref)));
    if (stage.kind === 'group') {
      nodes.set(path, undefined as never); // reserve the block's place before its children (Map keeps insertion order)
      const children = compileLevel(stage.stages, path, nodes);
      const over = compileListSource(stage.over, `${path}.over`);
      const node: PlanBlockNode = {
        ...base,
        kind: 'group',
        spec: stage,
        over,
        overSuppliers: suppliersOf(listRefs(over)),
        key: stage.key === null ? null : compileCel(stage.key, `${path}.key`),
        label: stage.label === null ? null : compileCel(stage.label, `${path}.label`),
        children: Object.freeze(children),
      };
      nodes.set(path, Object.freeze(node));
      return path;
    }
    const map = stage.map === null ? null : compileListSource(stage.map, `${path}.map`);
    const node = taskNode(stage, base, map, map === null ? [] : suppliersOf(listRefs(map)), stage.maxActive);
    nodes.set(path, node);
    return path;
  });
}

function compileConsolidation(
  spec: PipelineSpec,
  roots: readonly string[],
  nodes: ReadonlyMap<string, PlanNode>,
): PlanTaskNode {
  const consolidate = spec.consolidate as ConsolidateSpec;
  const blocks = roots.filter((path) => nodes.get(path)?.kind === 'group');
  const upstream =
    blocks.length > 0 ? blocks : roots.filter((path) => (nodes.get(path)?.downstream.length ?? 0) === 0);
  const base = {
    path: CONSOLIDATE_ID,
    id: CONSOLIDATE_ID,
    blockPath: null,
    upstream: Object.freeze(upstream),
    downstream: Object.freeze([]),
    triggerRule: consolidate.triggerRule,
  };
  return taskNode(consolidate, base, null, [], null);
}

type NodeBase = Pick<PlanTaskNode, 'path' | 'id' | 'blockPath' | 'upstream' | 'downstream' | 'triggerRule'>;

function taskNode(
  spec: TaskStageSpec | ConsolidateSpec,
  base: NodeBase,
  map: CompiledListSource | null,
  mapSuppliers: readonly string[],
  maxActive: number | null,
): PlanTaskNode {
  const input = compileInputTemplate(spec.with);
  if (!input.ok)
    throw new PlanCompileError(
      `${base.path}.with: ${input.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    );
  const isConsolidation = spec.id === CONSOLIDATE_ID && base.path === CONSOLIDATE_ID;
  const when = 'when' in spec && spec.when !== null ? compileCel(spec.when, `${base.path}.when`) : null;
  const label = 'label' in spec && spec.label !== null ? compileCel(spec.label, `${base.path}.label`) : null;
  const node: PlanTaskNode = {
    ...base,
    kind: 'task',
    spec,
    executor: spec.executor,
    settings: Object.freeze(settingsOf(spec)),
    map,
    mapSuppliers,
    when,
    label,
    input: input.template,
    maxActive,
    pool: spec.pool,
    isConsolidation,
  };
  return Object.freeze(node);
}

const settingsOf = (spec: TaskSettings): TaskSettings => ({
  retries: spec.retries,
  retryDelayMs: spec.retryDelayMs,
  retryBackoff: spec.retryBackoff,
  maxRetryDelayMs: spec.maxRetryDelayMs,
  retryJitter: spec.retryJitter,
  timeoutMs: spec.timeoutMs,
  queuedTimeoutMs: spec.queuedTimeoutMs,
  priority: spec.priority,
});

function compileCel(source: string, where: string): CompiledExpression {
  const compiled = compileExpression(source);
  if (!compiled.ok) throw new PlanCompileError(`${where}: ${compiled.message}`);
  return compiled.expression;
}

function compileListSource(source: ListSource, where: string): CompiledListSource {
  if (source.kind === 'literal') return Object.freeze({ kind: 'literal', items: source.items });
  return Object.freeze({ kind: 'cel', expression: compileCel(source.source, where) });
}

const listRefs = (source: CompiledListSource): readonly string[] =>
  source.kind === 'cel' ? source.expression.upstreamRefs : [];

/** A deep copy of a JSON-shaped value (the spec), so freezing never touches the caller's object. */
function structuredCopy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item: unknown) => structuredCopy(item)) as T;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, structuredCopy(item)])) as T;
}
