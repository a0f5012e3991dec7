import type { parse } from '@bufbuild/cel';
import { didYouMeanSuffix } from './did-you-mean.js';

/** A parsed CEL expression as @bufbuild/cel returns it. */
export type ParsedCel = ReturnType<typeof parse>;
type Expr = ParsedCel['expr'];

/** The variables every Tributary expression may read (DESIGN §4). */
export const CEL_VARIABLES = ['params', 'group', 'upstream', 'upstreamIndices', 'item', 'run'] as const;
/** Variables read per upstream stage id (`upstream.x`, `upstreamIndices.x`). */
const UPSTREAM_VARIABLES: ReadonlySet<string> = new Set(['upstream', 'upstreamIndices']);
/** One of {@link CEL_VARIABLES}. */
export type CelVariable = (typeof CEL_VARIABLES)[number];

const TYPE_NAMES = new Set([
  'int',
  'uint',
  'double',
  'bool',
  'string',
  'bytes',
  'list',
  'map',
  'null_type',
  'type',
  'dyn',
]);
const VARIABLES: ReadonlySet<string> = new Set(CEL_VARIABLES);

/** Something wrong found in the AST, at a character offset of the source. */
export interface CelProblem {
  message: string;
  offset: number;
}

/** What an expression reads: its upstream stage ids (in first-use order) and root variables. */
export interface CelAnalysis {
  upstreamRefs: string[];
  variables: string[];
  problems: CelProblem[];
}

/**
 * Walks a parsed expression: collects the literal `upstream.x` / `upstream["x"]` references and the
 * root variables read, and reports undeclared identifiers, unknown functions and `upstream` used
 * without a literal stage id (so that dependencies stay checkable). Comprehension variables
 * (`list.map(x, …)`) shadow outer names as in CEL.
 */
export function analyzeCel(
  parsed: ParsedCel,
  knownFunctions: ReadonlySet<string>,
  declared: readonly string[] = CEL_VARIABLES,
): CelAnalysis {
  const allowed: ReadonlySet<string> = declared === CEL_VARIABLES ? VARIABLES : new Set(declared);
  const refs = new Set<string>();
  const variables = new Set<string>();
  const problems: CelProblem[] = [];
  const positions = parsed.sourceInfo?.positions ?? {};
  const offsetOf = (expr: Expr): number => positions[expr.id.toString()] ?? 0;

  // `upstreamIndices.x` reads stage x as `upstream.x` does: the same dependency rules apply.
  const upstreamVariable = (expr: Expr | undefined, locals: ReadonlySet<string>): string | null => {
    if (expr?.exprKind.case !== 'identExpr') return null;
    const name = expr.exprKind.value.name;
    return UPSTREAM_VARIABLES.has(name) && allowed.has(name) && !locals.has(name) ? name : null;
  };
  const isUpstream = (expr: Expr | undefined, locals: ReadonlySet<string>): boolean =>
    upstreamVariable(expr, locals) !== null;

  const visit = (expr: Expr | undefined, locals: ReadonlySet<string>): void => {
    if (expr === undefined) return;
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'identExpr': {
        const name = kind.value.name;
        if (locals.has(name) || TYPE_NAMES.has(name)) return;
        if (UPSTREAM_VARIABLES.has(name) && allowed.has(name)) {
          variables.add(name);
          problems.push({
            message: `${name} must be read with a literal stage id (${name}.x or ${name}["x"]) so dependencies can be checked`,
            offset: offsetOf(expr),
          });
        } else if (allowed.has(name)) {
          variables.add(name);
        } else {
          problems.push({
            message: `undeclared reference to "${name}"${didYouMeanSuffix(name, declared)}; expressions see ${declared.join(', ')}`,
            offset: offsetOf(expr),
          });
        }
        return;
      }
      case 'selectExpr':
        if (isUpstream(kind.value.operand, locals)) {
          variables.add(upstreamVariable(kind.value.operand, locals)!);
          refs.add(kind.value.field);
          return;
        }
        visit(kind.value.operand, locals);
        return;
      case 'callExpr': {
        const { function: name, target, args } = kind.value;
        const key = args[1]?.exprKind;
        if (
          name === '_[_]' &&
          isUpstream(args[0], locals) &&
          key?.case === 'constExpr' &&
          key.value.constantKind.case === 'stringValue'
        ) {
          variables.add(upstreamVariable(args[0], locals)!);
          refs.add(key.value.constantKind.value);
          return;
        }
        if (!isOperator(name) && !knownFunctions.has(name)) {
          problems.push({
            message: `unknown function "${name}"${didYouMeanSuffix(name, knownFunctions)}`,
            offset: offsetOf(expr),
          });
        }
        visit(target, locals);
        for (const arg of args) visit(arg, locals);
        return;
      }
      case 'listExpr':
        for (const element of kind.value.elements) visit(element, locals);
        return;
      case 'structExpr':
        if (kind.value.messageName !== '') {
          problems.push({
            message: `message types are not available (${kind.value.messageName})`,
            offset: offsetOf(expr),
          });
        }
        for (const entry of kind.value.entries) {
          if (entry.keyKind.case === 'mapKey') visit(entry.keyKind.value, locals);
          visit(entry.value, locals);
        }
        return;
      case 'comprehensionExpr': {
        const c = kind.value;
        visit(c.iterRange, locals);
        visit(c.accuInit, locals);
        const inner = new Set([...locals, c.iterVar, c.iterVar2, c.accuVar].filter((name) => name !== ''));
        visit(c.loopCondition, inner);
        visit(c.loopStep, inner);
        visit(c.result, new Set([...locals, c.accuVar]));
        return;
      }
      default:
        return;
    }
  };

  visit(parsed.expr, new Set());
  return { upstreamRefs: [...refs], variables: [...variables], problems };
}

/** Parser-generated operator names (`_+_`, `!_`, `@in`, `@not_strictly_false`) that the planner resolves itself. */
const isOperator = (name: string): boolean =>
  name.startsWith('_') || name.startsWith('@') || name.startsWith('!') || name.endsWith('_');

/** 1-based line and column of a character offset in `source`. */
export function lineColumn(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i += 1) {
    if (source[i] === '\n') {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
