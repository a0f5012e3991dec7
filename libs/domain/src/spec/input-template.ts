import { compileExpression } from './cel-expression.js';
import type {
  CompiledExpression,
  CompiledInputTemplate,
  EvaluationResult,
  ExpressionScope,
} from './compiled-plan.js';
import { toJsonPointer, type PathSegment } from './json-pointer.js';
import type { Json } from './pipeline-spec.js';

/** `${{ <CEL> }}`: the whole string is one expression (surrounding whitespace inside the braces is ignored). */
const TEMPLATE_RE = /^\$\{\{([\s\S]*)\}\}$/;

/** The CEL source of a template string, or null when the string is a literal. */
export function templateSource(value: string): string | null {
  const match = TEMPLATE_RE.exec(value);
  return match === null ? null : (match[1] ?? '').trim();
}

/** One `${{ }}` string inside a `with:` map, with its path relative to the map. */
export interface TemplateExpression {
  path: PathSegment[];
  source: string;
}

/** Every `${{ <CEL> }}` string of a `with:` map (nested objects and arrays walked), in document order. */
export function findTemplateExpressions(input: Json, path: PathSegment[] = []): TemplateExpression[] {
  if (typeof input === 'string') {
    const source = templateSource(input);
    return source === null ? [] : [{ path, source }];
  }
  if (Array.isArray(input))
    return input.flatMap((item, index) => findTemplateExpressions(item, [...path, index]));
  if (input !== null && typeof input === 'object') {
    return Object.entries(input).flatMap(([key, item]) => findTemplateExpressions(item, [...path, key]));
  }
  return [];
}

/** Result of {@link compileInputTemplate}; issue paths are JSON pointers relative to the `with:` map. */
export type CompileInputTemplateResult =
  { ok: true; template: CompiledInputTemplate } | { ok: false; issues: { path: string; message: string }[] };

type Node =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'cel'; expression: CompiledExpression; pointer: string }
  | { kind: 'array'; items: Node[] }
  | { kind: 'object'; entries: [string, Node][] };

/**
 * Compiles a stage's `with:` map once. Values are literal JSON, except strings that are exactly
 * `${{ <CEL> }}`, which are evaluated on `render` (anywhere in nested objects and arrays). There is
 * no escape: a literal string of that exact form cannot be passed. `render` returns a fresh JSON
 * object each time and never throws; the first failing expression gives the error, prefixed with
 * its pointer (`/query: …`).
 */
export function compileInputTemplate(input: Record<string, Json>): CompileInputTemplateResult {
  const issues: { path: string; message: string }[] = [];
  const refs = new Set<string>();
  const build = (value: Json, path: PathSegment[]): Node => {
    if (typeof value === 'string') {
      const source = templateSource(value);
      if (source === null) return { kind: 'literal', value };
      const compiled = compileExpression(source);
      const pointer = toJsonPointer(path);
      if (!compiled.ok) {
        issues.push({ path: pointer, message: compiled.message });
        return { kind: 'literal', value: null };
      }
      for (const ref of compiled.expression.upstreamRefs) refs.add(ref);
      return { kind: 'cel', expression: compiled.expression, pointer };
    }
    if (Array.isArray(value))
      return { kind: 'array', items: value.map((item, index) => build(item, [...path, index])) };
    if (value !== null && typeof value === 'object') {
      return {
        kind: 'object',
        entries: Object.entries(value).map(([key, item]) => [key, build(item, [...path, key])]),
      };
    }
    return { kind: 'literal', value };
  };
  const root = build(input, []);
  if (issues.length > 0) return { ok: false, issues };
  const template: CompiledInputTemplate = {
    upstreamRefs: Object.freeze([...refs]),
    render: (scope) => render(root, scope),
  };
  return { ok: true, template: Object.freeze(template) };
}

class RenderError extends Error {}

function render(root: Node, scope: ExpressionScope): EvaluationResult {
  try {
    return { ok: true, value: renderNode(root, scope) };
  } catch (error) {
    if (error instanceof RenderError) return { ok: false, error: error.message };
    throw error;
  }
}

function renderNode(node: Node, scope: ExpressionScope): Json {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'cel': {
      const result = node.expression.evaluate(scope);
      if (!result.ok) throw new RenderError(`${node.pointer}: ${result.error}`);
      return result.value;
    }
    case 'array':
      return node.items.map((item) => renderNode(item, scope));
    case 'object': {
      const object: Record<string, Json> = {};
      for (const [key, item] of node.entries) object[key] = renderNode(item, scope);
      return object;
    }
  }
}
