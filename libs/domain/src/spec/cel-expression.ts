import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { analyzeCel, CEL_VARIABLES, lineColumn, type ParsedCel } from './cel-ast.js';
import { celToJson } from './cel-value.js';
import {
  expressionBudgetProblem,
  iterateFunction,
  ITERATE_FUNCTION,
  meterComprehensions,
  resetIterationBudget,
} from './cel-budget.js';
import { expressionDepthProblem, meteredFunctions, resetEvaluationCost } from './cel-cost.js';
import type { CompiledExpression, EvaluationResult } from './compiled-plan.js';

/**
 * The CEL environment of every Tributary expression: the standard library plus the `strings`
 * extension (`lowerAscii`, `split`, `indexOf`, …). Variables are bound per evaluation.
 */
const ENV = celEnv({ funcs: meteredFunctions(celEnv({ funcs: [...strings, iterateFunction] }).funcs) });
const KNOWN_FUNCTIONS: ReadonlySet<string> = new Set(
  [...ENV.funcs].map((func) => func.name).filter((name) => name !== ITERATE_FUNCTION),
);

/** Where in the expression a compile error is (1-based). */
export interface CelPosition {
  line: number;
  column: number;
}

/** Result of {@link compileExpression}. */
export type CompileExpressionResult =
  { ok: true; expression: CompiledExpression } | { ok: false; message: string; position: CelPosition | null };

/**
 * Compiles a CEL expression once (parse, static checks, plan) into a {@link CompiledExpression}.
 *
 * - Syntax errors carry the library's message and position (`line 1, column 9: found . but …`).
 * - Static checks: identifiers must be `params`, `group`, `upstream`, `item`, `run` (or
 *   comprehension variables / type names); functions must exist; `upstream` must be read with a
 *   literal stage id (`upstream.x`, `upstream["ner-diff"]`), which gives `upstreamRefs`.
 * - `evaluate` never throws: evaluation errors (missing key, no matching overload, a variable not
 *   bound in this scope, a result with no JSON form) come back as `{ ok: false, error }`.
 * - Results are plain JSON: ints/uints → numbers (refused beyond ±2^53), lists → arrays, maps →
 *   objects. Inputs are JSON, so numbers reach CEL as doubles (`params.n + 1` needs `1.0` or
 *   `int(params.n) + 1`, as with CEL on google.protobuf.Struct); comparisons mix freely (`item == 2`).
 */
export function compileExpression(source: string): CompileExpressionResult {
  const compiled = compileProgram(source, CEL_VARIABLES);
  if (!compiled.ok) return compiled;
  const { program, analysis } = compiled;
  const expression: CompiledExpression = {
    source,
    upstreamRefs: Object.freeze([...analysis.upstreamRefs]),
    evaluate: (scope) => evaluate(source, program, analysis.variables, scope as Record<string, unknown>),
  };
  return { ok: true, expression: Object.freeze(expression) };
}

/** A CEL expression over variables of the caller's choosing (an upstream event's `event`, `subject`…). */
export interface CompiledScopedExpression {
  readonly source: string;
  /** Same contract as {@link CompiledExpression.evaluate}: never throws, plain JSON out. */
  evaluate(scope: Readonly<Record<string, unknown>>): EvaluationResult;
}

/** Result of {@link compileScopedExpression}. */
export type CompileScopedExpressionResult =
  | { ok: true; expression: CompiledScopedExpression }
  | { ok: false; message: string; position: CelPosition | null };

/**
 * {@link compileExpression} with another set of variables (same library, budgets and checks): an
 * identifier outside `variables` is an "undeclared reference" naming the ones that exist.
 */
export function compileScopedExpression(
  source: string,
  variables: readonly string[],
): CompileScopedExpressionResult {
  const compiled = compileProgram(source, variables);
  if (!compiled.ok) return compiled;
  const { program, analysis } = compiled;
  return {
    ok: true,
    expression: Object.freeze({
      source,
      evaluate: (scope: Readonly<Record<string, unknown>>) =>
        evaluate(source, program, analysis.variables, scope),
    }),
  };
}

function compileProgram(
  source: string,
  declared: readonly string[],
):
  | { ok: true; program: ReturnType<typeof plan>; analysis: ReturnType<typeof analyzeCel> }
  | { ok: false; message: string; position: CelPosition | null } {
  const overBudget = expressionBudgetProblem(source);
  if (overBudget !== null) return { ok: false, message: overBudget, position: null };
  let parsed: ParsedCel;
  try {
    parsed = parse(source);
  } catch (error) {
    return syntaxError(source, error);
  }
  const tooDeep = expressionDepthProblem(parsed.expr);
  if (tooDeep !== null) return { ok: false, message: tooDeep, position: null };
  const analysis = analyzeCel(parsed, KNOWN_FUNCTIONS, declared);
  const problem = analysis.problems[0];
  if (problem !== undefined) {
    const position = lineColumn(source, problem.offset);
    return {
      ok: false,
      message: `line ${position.line}, column ${position.column}: ${problem.message}`,
      position,
    };
  }
  let program: ReturnType<typeof plan>;
  try {
    meterComprehensions(parsed.expr);
    program = plan(ENV, parsed);
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error), position: null };
  }
  return { ok: true, program, analysis };
}

function evaluate(
  source: string,
  program: ReturnType<typeof plan>,
  variables: readonly string[],
  scope: Readonly<Record<string, unknown>>,
): EvaluationResult {
  const bindings: Record<string, unknown> = {};
  for (const name of variables) {
    const value = scope[name];
    if (value === undefined) return { ok: false, error: `${source}: "${name}" is not available here` };
    bindings[name] = value;
  }
  let result: unknown;
  try {
    resetIterationBudget();
    resetEvaluationCost();
    result = program(bindings as never);
  } catch (error) {
    return { ok: false, error: `${source}: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (isCelError(result)) return { ok: false, error: `${source}: ${result.message}` };
  let json: ReturnType<typeof celToJson>;
  try {
    json = celToJson(result);
  } catch (error) {
    // A result too deep or too large to convert (the stack, a string over the engine's limit).
    return { ok: false, error: `${source}: ${error instanceof Error ? error.message : String(error)}` };
  }
  return json.ok ? { ok: true, value: json.value } : { ok: false, error: `${source}: ${json.error}` };
}

interface SyntaxErrorLike {
  rawMessage?: unknown;
  location?: { start?: { line?: unknown; column?: unknown } };
}

function syntaxError(
  source: string,
  error: unknown,
): { ok: false; message: string; position: CelPosition | null } {
  const detail = error as SyntaxErrorLike;
  const line = detail.location?.start?.line;
  const column = detail.location?.start?.column;
  const raw =
    typeof detail.rawMessage === 'string'
      ? detail.rawMessage
      : error instanceof Error
        ? error.message
        : String(error);
  if (typeof line === 'number' && typeof column === 'number') {
    return { ok: false, message: `line ${line}, column ${column}: ${raw}`, position: { line, column } };
  }
  return { ok: false, message: source.trim() === '' ? 'the expression is empty' : raw, position: null };
}
