import { compileExpression } from './cel-expression.js';
import { didYouMeanSuffix } from './did-you-mean.js';
import { findTemplateExpressions } from './input-template.js';
import { toJsonPointer, type PathSegment } from './json-pointer.js';
import type { Json, ValidationIssue } from './pipeline-spec.js';
import type { RawStageEntry, RawStageLevel } from './raw-stage-tree.js';

/** Who reads `upstream` in an expression, and what it may read. */
interface ReaderContext {
  /** `stage "report"`, `group block "market"`, `consolidate`. */
  readonly reader: string;
  /** Direct upstream ids of the reader at its own level. */
  readonly direct: readonly string[];
  /** Upstream ids of the enclosing blocks (readable too). */
  readonly inherited: readonly string[];
  /** Ids at the reader's level (for the "add it to dependsOn" hint). */
  readonly siblings: ReadonlySet<string>;
  /** Set for `consolidate`: any upstream reference is an error. */
  readonly noUpstream: boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Compiles every CEL expression of the raw document (`map`, `over`, `when`, `key`, `${{ }}` in
 * `with`), reporting compile errors at the field's path, and checks that each
 * `upstream.<x>` names a direct upstream: for a stage inside a block, its same-block `dependsOn`
 * plus the upstreams of every enclosing block; `consolidate` may read no upstream. Also checks
 * pool references against `pools` and that literal `over` lists give unique group keys.
 */
export function checkExpressions(document: unknown, root: RawStageLevel): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const pools = isObject(document) && isObject(document['pools']) ? Object.keys(document['pools']) : [];
  checkLevel(root, [], pools, issues);
  const consolidate = isObject(document) ? document['consolidate'] : undefined;
  if (isObject(consolidate)) {
    const context: ReaderContext = {
      reader: 'consolidate',
      direct: [],
      inherited: [],
      siblings: new Set(),
      noUpstream: true,
    };
    checkWith(consolidate['with'], ['consolidate', 'with'], context, issues);
    checkPool(consolidate['pool'], ['consolidate', 'pool'], pools, issues);
  }
  return issues;
}

function checkLevel(
  level: RawStageLevel,
  inherited: readonly string[],
  pools: readonly string[],
  issues: ValidationIssue[],
): void {
  const siblings = new Set(level.entries.flatMap((entry) => (entry.id === null ? [] : [entry.id])));
  for (const entry of level.entries) {
    const direct = [...new Set(entry.dependsOn)].filter((id) => siblings.has(id) && id !== entry.id);
    const what = entry.kind === 'group' ? 'group block' : 'stage';
    const context: ReaderContext = {
      reader: `${what} "${entry.id ?? '?'}"`,
      direct,
      inherited,
      siblings,
      noUpstream: false,
    };
    if (entry.kind === 'task') {
      checkListSource(entry.raw['map'], [...entry.path, 'map'], context, issues);
      checkCel(entry.raw['when'], [...entry.path, 'when'], context, issues);
      checkCel(entry.raw['label'], [...entry.path, 'label'], context, issues);
      checkWith(entry.raw['with'], [...entry.path, 'with'], context, issues);
      checkPool(entry.raw['pool'], [...entry.path, 'pool'], pools, issues);
      continue;
    }
    checkListSource(entry.raw['over'], [...entry.path, 'over'], context, issues);
    checkCel(entry.raw['key'], [...entry.path, 'key'], context, issues);
    checkCel(entry.raw['label'], [...entry.path, 'label'], context, issues);
    if (Array.isArray(entry.raw['over']) && entry.raw['key'] === undefined) checkLiteralKeys(entry, issues);
    if (entry.children !== null)
      checkLevel(entry.children, [...new Set([...direct, ...inherited])], pools, issues);
  }
}

function checkListSource(
  value: unknown,
  path: PathSegment[],
  context: ReaderContext,
  issues: ValidationIssue[],
): void {
  if (typeof value === 'string') checkCel(value, path, context, issues);
}

function checkCel(
  value: unknown,
  path: readonly PathSegment[],
  context: ReaderContext,
  issues: ValidationIssue[],
): void {
  if (typeof value !== 'string' || value === '') return;
  const compiled = compileExpression(value);
  if (!compiled.ok) {
    issues.push({ path: toJsonPointer(path), message: `invalid CEL expression: ${compiled.message}` });
    return;
  }
  for (const ref of compiled.expression.upstreamRefs) {
    const message = upstreamRefProblem(ref, context);
    if (message !== null) issues.push({ path: toJsonPointer(path), message });
  }
}

function checkWith(
  value: unknown,
  path: readonly PathSegment[],
  context: ReaderContext,
  issues: ValidationIssue[],
): void {
  if (!isObject(value)) return;
  for (const template of findTemplateExpressions(value as Record<string, Json>)) {
    const at = [...path, ...template.path];
    if (template.source === '') {
      issues.push({ path: toJsonPointer(at), message: 'invalid CEL expression: "${{ }}" is empty' });
      continue;
    }
    checkCel(template.source, at, context, issues);
  }
}

function checkPool(
  value: unknown,
  path: readonly PathSegment[],
  pools: readonly string[],
  issues: ValidationIssue[],
): void {
  if (typeof value !== 'string' || pools.includes(value)) return;
  const declared =
    pools.length === 0
      ? 'no pools are declared (add it under "pools")'
      : `declared pools: ${pools.join(', ')}`;
  issues.push({
    path: toJsonPointer(path),
    message: `unknown pool "${value}"${didYouMeanSuffix(value, pools)}; ${declared}`,
  });
}

function upstreamRefProblem(ref: string, context: ReaderContext): string | null {
  const shown = /^[A-Za-z_][A-Za-z0-9_]*$/.test(ref) ? `upstream.${ref}` : `upstream["${ref}"]`;
  if (context.noUpstream) {
    return `${context.reader} may not read ${shown}: the consolidation receives every group's outputs, not upstream stages`;
  }
  if (context.direct.includes(ref) || context.inherited.includes(ref)) return null;
  const readable = [...context.direct, ...context.inherited];
  const allowed = readable.length === 0 ? 'it has no upstream' : `readable upstreams: ${readable.join(', ')}`;
  const hint = context.siblings.has(ref)
    ? `; add "${ref}" to its dependsOn`
    : didYouMeanSuffix(ref, readable);
  return `${shown} is not a direct upstream of ${context.reader} (${allowed})${hint}`;
}

/** Without `key:`, each element of a literal `over` list is its group key: scalars, unique. */
function checkLiteralKeys(entry: RawStageEntry, issues: ValidationIssue[]): void {
  const items = entry.raw['over'] as unknown[];
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const path = toJsonPointer([...entry.path, 'over', index]);
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
      issues.push({
        path,
        message: 'a group key must be a string, number or boolean: set "key" to derive one from each element',
      });
      return;
    }
    const key = String(item);
    const first = seen.get(key);
    if (first !== undefined)
      issues.push({ path, message: `duplicate group key "${key}" (also at index ${first})` });
    else seen.set(key, index);
  });
}
