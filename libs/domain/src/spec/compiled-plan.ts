import type { SecretParamPath } from './secret-params.js';
import type {
  Json,
  ListSource,
  PipelineSpec,
  TaskSettings,
  TaskStageSpec,
  GroupBlockSpec,
  ConsolidateSpec,
} from './pipeline-spec.js';
import type { TriggerRule } from '../rules/trigger-rule.js';

/** Variables a CEL expression sees (DESIGN §4). Every value is plain JSON. */
export interface ExpressionScope {
  params?: Json;
  group?: GroupBinding | null;
  upstream?: Record<string, Json>;
  /** Per mapped upstream: which map indices succeeded, failed, were skipped or upstream_failed (`upstreamIndices.retrieve.failed`). */
  upstreamIndices?: Record<string, Json>;
  item?: Json;
  run?: { id: string; pipeline: string };
}

export interface GroupBinding {
  key: string;
  value: Json;
  path: string;
  parent: GroupBinding | null;
}

/** A CEL expression compiled once; `evaluate` returns plain JSON (bigints → numbers, CEL lists/maps → arrays/objects). */
export interface CompiledExpression {
  readonly source: string;
  /** Upstream stage ids the expression reads (`upstream.x`, `upstream["x-y"]`). */
  readonly upstreamRefs: readonly string[];
  evaluate(scope: ExpressionScope): EvaluationResult;
}

export type EvaluationResult = { ok: true; value: Json } | { ok: false; error: string };

/** A list source ready to evaluate: a literal list, or a compiled CEL expression. */
export type CompiledListSource =
  { kind: 'literal'; items: Json[] } | { kind: 'cel'; expression: CompiledExpression };

/** A `with:` map compiled once: literal values, and `${{ }}` strings as compiled expressions. */
export interface CompiledInputTemplate {
  readonly upstreamRefs: readonly string[];
  render(scope: ExpressionScope): EvaluationResult;
}

interface PlanNodeBase {
  /** Stage path: block names and stage id joined by `/` (`market/retrieve`, `market`, `prepare`, `consolidate`). */
  readonly path: string;
  readonly id: string;
  /** Path of the enclosing block node, null at the top level. */
  readonly blockPath: string | null;
  /** Direct upstream node paths at the same level (after defaulting `dependsOn`). */
  readonly upstream: readonly string[];
  /** Direct downstream node paths at the same level. */
  readonly downstream: readonly string[];
  readonly triggerRule: TriggerRule;
}

export interface PlanTaskNode extends PlanNodeBase {
  readonly kind: 'task';
  readonly spec: TaskStageSpec | ConsolidateSpec;
  readonly executor: string;
  readonly settings: TaskSettings;
  readonly map: CompiledListSource | null;
  /** Upstream ids (same level) whose outputs the `map` expression reads: the mapped task's suppliers. */
  readonly mapSuppliers: readonly string[];
  readonly when: CompiledExpression | null;
  /** `label:` of a mapped stage: one label per map index, computed when the map expands. */
  readonly label: CompiledExpression | null;
  readonly input: CompiledInputTemplate;
  readonly maxActive: number | null;
  readonly pool: string | null;
  readonly isConsolidation: boolean;
}

export interface PlanBlockNode extends PlanNodeBase {
  readonly kind: 'group';
  readonly spec: GroupBlockSpec;
  readonly over: CompiledListSource;
  /** Upstream ids (same level) whose outputs `over` reads: a non-empty list makes this a mapped task group. */
  readonly overSuppliers: readonly string[];
  readonly key: CompiledExpression | null;
  /** `label:` of the block: one label per group, computed when the block expands. */
  readonly label: CompiledExpression | null;
  /** Child node paths in spec order. */
  readonly children: readonly string[];
}

export type PlanNode = PlanTaskNode | PlanBlockNode;

/** The spec compiled once into an immutable graph that expansion uses without re-parsing. */
export interface CompiledPlan {
  readonly spec: PipelineSpec;
  readonly nodes: ReadonlyMap<string, PlanNode>;
  /** Top-level node paths in spec order (the consolidation is not among them). */
  readonly roots: readonly string[];
  readonly consolidation: PlanTaskNode | null;
  /** The params the schema marks secret (`x-secret`/`writeOnly`): encrypted by the api, redacted for CEL. */
  readonly secretParams: readonly SecretParamPath[];
  /** Validates a trigger payload against the params schema; issues carry JSON-pointer paths under `/params`. */
  validateParams(
    params: unknown,
  ): { ok: true; params: Json } | { ok: false; issues: { path: string; message: string }[] };
}

export type { ListSource };
