import { CelScalar, celFunc, isCelList, isCelMap, type parse } from '@bufbuild/cel';

/**
 * Cost and depth budgets of a spec's CEL (issue #8): a hostile or careless expression must not hang
 * or exhaust the planner that evaluates it. Six nested `map`s over a 60-element list are 46 billion
 * steps: without a budget the planner ran out of memory. Budgets are checked where they can be: the
 * source's length and nesting when the spec is applied, the iterations of comprehensions (`map`,
 * `filter`, `all`, `exists`, …) as an expression is evaluated.
 */
export const MAX_EXPRESSION_LENGTH = 4096;
/** Deepest nesting of parentheses, brackets and braces in one expression. */
export const MAX_EXPRESSION_NESTING = 32;
/** Elements all comprehensions of one evaluation may visit together. */
export const MAX_EVALUATION_ITERATIONS = 100_000;

/** Why `source` is over a compile-time budget, or null. */
export function expressionBudgetProblem(source: string): string | null {
  if (source.length > MAX_EXPRESSION_LENGTH)
    return `the expression is ${source.length} characters long; at most ${MAX_EXPRESSION_LENGTH} are allowed`;
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[' || c === '{') {
      depth++;
      if (depth > MAX_EXPRESSION_NESTING)
        return `the expression nests parentheses, brackets and braces more than ${MAX_EXPRESSION_NESTING} levels deep`;
    } else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return null;
}

/** The function every comprehension's range goes through: it spends the evaluation's budget. */
export const ITERATE_FUNCTION = '__tributary_iterate';

let spent = 0;

/** Starts a new evaluation's budget (evaluation is synchronous: one at a time). */
export function resetIterationBudget(): void {
  spent = 0;
}

export const iterateFunction = celFunc(ITERATE_FUNCTION, [CelScalar.DYN], CelScalar.DYN, (range) => {
  const size = isCelList(range) || isCelMap(range) ? range.size : 0;
  spent += size;
  if (spent > MAX_EVALUATION_ITERATIONS)
    throw new Error(
      `the expression visits more than ${MAX_EVALUATION_ITERATIONS} list elements in one evaluation (nested map/filter/all/exists over large lists)`,
    );
  return range;
});

type Expr = NonNullable<ReturnType<typeof parse>['expr']>;

/** Routes every comprehension's range through {@link ITERATE_FUNCTION} (in place). */
export function meterComprehensions(expr: Expr | undefined): void {
  if (!expr) return;
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'comprehensionExpr': {
      const c = kind.value;
      meterComprehensions(c.iterRange);
      meterComprehensions(c.accuInit);
      meterComprehensions(c.loopCondition);
      meterComprehensions(c.loopStep);
      meterComprehensions(c.result);
      if (c.iterRange) {
        const range = c.iterRange;
        c.iterRange = {
          ...range,
          exprKind: {
            case: 'callExpr',
            value: { $typeName: 'cel.expr.Expr.Call', function: ITERATE_FUNCTION, args: [range] },
          },
        } as Expr;
      }
      return;
    }
    case 'callExpr':
      meterComprehensions(kind.value.target);
      for (const arg of kind.value.args) meterComprehensions(arg);
      return;
    case 'selectExpr':
      meterComprehensions(kind.value.operand);
      return;
    case 'listExpr':
      for (const e of kind.value.elements) meterComprehensions(e);
      return;
    case 'structExpr':
      for (const entry of kind.value.entries) {
        meterComprehensions(entry.value);
        if (entry.keyKind.case === 'mapKey') meterComprehensions(entry.keyKind.value);
      }
      return;
    default:
      return;
  }
}
