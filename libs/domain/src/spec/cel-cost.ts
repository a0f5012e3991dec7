import {
  celFunc,
  celMethod,
  CelScalar,
  isCelError,
  isCelList,
  isCelMap,
  listType,
  type CelFunc,
  type CelList,
  type CelValue,
  type parse,
} from '@bufbuild/cel';
import { ITERATE_FUNCTION } from './cel-budget.js';

/**
 * The cost budget of a spec's CEL (issue #8), next to the comprehension budget of `cel-budget.ts`: what
 * one evaluation may spend in functions and operators, and how deep an expression may nest.
 *
 * - **Depth**: an expression's syntax tree is at most {@link MAX_EXPRESSION_DEPTH} levels deep
 *   (`1+1+…+1` with 1 500 terms overflowed the stack of the CEL planner: a "Maximum call stack size
 *   exceeded" refusal instead of a reason). Checked when the spec is applied.
 * - **Cost**: every call is charged {@link CALL_COST} and what it reads and builds — the characters of
 *   the strings and the elements of the lists and maps it is given (deeply for `==`, `in`, `format`,
 *   `join`), what it makes, and the elements a comprehension visits — and one evaluation may spend at most
 *   {@link MAX_EVALUATION_COST} (about a second of the planner's time on a loaded 2-core machine).
 *   `s.replace("a", s)` nested twice, `s.contains(…)` inside a large `map`, or `l + l` doubled in nested
 *   comprehensions now stop with an error instead of hanging the planner. A spent budget (this one or the
 *   comprehension budget) ends the evaluation at once: CEL's error absorption (`true || …`, `exists`)
 *   does not let it go on uncharged.
 * - **Lists built by `+`** share their backing array when appended to (what `map` and `filter` do for
 *   each element): the library's lazy concatenation nested one level per element, so `map` over 4 000
 *   elements overflowed the stack when read, and took quadratic time below that.
 * - **`replace`** is linear (the library's rebuilt the whole string per occurrence: `replace` on a
 *   512 KiB string ran for minutes), with the library's semantics.
 */
export const MAX_EXPRESSION_DEPTH = 128;
/** Cost units (calls, characters, elements) one evaluation may spend (see above). */
export const MAX_EVALUATION_COST = 8_000_000;

type Expr = NonNullable<ReturnType<typeof parse>['expr']>;

/** How deep the syntax tree of `expr` is (iteratively: the tree may be deeper than the stack allows). */
export function expressionDepth(expr: Expr | undefined): number {
  let deepest = 0;
  const stack: [Expr, number][] = expr ? [[expr, 1]] : [];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > deepest) deepest = depth;
    for (const child of childrenOf(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function childrenOf(expr: Expr): Expr[] {
  const kind = expr.exprKind;
  const present = (list: (Expr | undefined)[]): Expr[] => list.filter((e): e is Expr => e !== undefined);
  switch (kind.case) {
    case 'selectExpr':
      return present([kind.value.operand]);
    case 'callExpr':
      return present([kind.value.target, ...kind.value.args]);
    case 'listExpr':
      return kind.value.elements;
    case 'structExpr':
      return kind.value.entries.flatMap((entry) =>
        present([entry.keyKind.case === 'mapKey' ? entry.keyKind.value : undefined, entry.value]),
      );
    case 'comprehensionExpr': {
      const c = kind.value;
      return present([c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result]);
    }
    default:
      return [];
  }
}

/** Why the tree is too deep, or null. */
export function expressionDepthProblem(expr: Expr | undefined): string | null {
  const depth = expressionDepth(expr);
  return depth > MAX_EXPRESSION_DEPTH
    ? `the expression nests ${depth} levels deep (operators, calls, member accesses); at most ${MAX_EXPRESSION_DEPTH} are allowed — split it up`
    : null;
}

class CostExceeded extends Error {}

let spent = 0;

/** Starts a new evaluation's cost budget (evaluation is synchronous: one at a time). */
export function resetEvaluationCost(): void {
  spent = 0;
}

/** What the current (or last) evaluation has spent so far. */
export function evaluationCostSpent(): number {
  return spent;
}

function charge(units: number): void {
  spent += units;
  if (spent > MAX_EVALUATION_COST) {
    throw new CostExceeded(
      `the expression reads or builds more than ${MAX_EVALUATION_COST} characters and list elements in one evaluation (string functions, concatenation, comparisons over large values)`,
    );
  }
}

const budgetLeft = (): number => Math.max(0, MAX_EVALUATION_COST - spent) + 1;

/** Characters of a string, bytes of bytes, elements of a list or map (keys and values); 1 otherwise. */
function shallowSize(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (value instanceof Uint8Array) return value.length;
  if (isCelList(value) || isCelMap(value)) return value.size;
  return 1;
}

/** Like {@link shallowSize}, over everything a list or map holds; stops counting past `cap`. */
function deepSize(value: unknown, cap: number): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && total <= cap) {
    const v = stack.pop();
    if (isCelList(v)) {
      total += 1;
      for (const item of v) stack.push(item);
    } else if (isCelMap(v)) {
      total += 1;
      for (const [key, item] of v) stack.push(key, item);
    } else total += shallowSize(v);
  }
  return total;
}

const sumOf = (values: readonly unknown[], size: (v: unknown) => number): number =>
  values.reduce<number>((sum, v) => sum + size(v), 0);

type Cost = (target: CelValue | undefined, args: readonly CelValue[]) => number;

/**
 * What every call costs besides its operands: the interpreter's own work per call (overload lookup,
 * argument conversion) is about a microsecond, the work per character or element far less.
 */
export const CALL_COST = 40;

const deep: Cost = (target, args) => {
  const cap = budgetLeft();
  return (
    CALL_COST + (target === undefined ? 0 : deepSize(target, cap)) + sumOf(args, (v) => deepSize(v, cap))
  );
};
const linear: Cost = (target, args) =>
  CALL_COST + (target === undefined ? 0 : shallowSize(target)) + sumOf(args, shallowSize);

/** What a call of each function is charged; {@link linear} unless named here. */
const COSTS: Readonly<Record<string, Cost>> = {
  // Lists: what is appended or copied, charged by the concatenation itself (see AppendableList).
  '_+_': (target, args) => (isCelList(args[0]) ? CALL_COST : linear(target, args)),
  // O(1) however large the operand.
  size: () => CALL_COST,
  // Deep comparisons and renderings.
  '_==_': deep,
  '_!=_': deep,
  '@in': deep,
  format: deep,
  join: deep,
  // RE2 (linear in the text, per state of the pattern).
  matches: (target, args) => {
    const text = typeof target === 'string' ? target.length : 1;
    const pattern = typeof args[0] === 'string' ? args[0].length : 1;
    return CALL_COST + pattern + Math.ceil((text * Math.max(1, pattern)) / 4);
  },
};

/** Calls are charged once each, although the library tries the overloads of a name one by one. */
const charged = new WeakSet<readonly CelValue[]>();

function metered(func: CelFunc): CelFunc {
  const cost = COSTS[func.name] ?? linear;
  const wrapper = Object.create(func) as CelFunc;
  Object.defineProperty(wrapper, 'call', {
    value(id: number, target: CelValue | undefined, args: CelValue[]) {
      if (!charged.has(args)) {
        charged.add(args);
        // Thrown past the library's error values: a spent budget ends the whole evaluation, even where
        // CEL would absorb an error (`true || …`, `exists`), instead of letting it go on uncharged.
        charge(cost(target, args));
      }
      const result = func.call(id, target, args);
      if (func.name === ITERATE_FUNCTION && isCelError(result)) throw new CostExceeded(result.message);
      return result;
    },
  });
  return wrapper;
}

/** What makes an object a list to the library (`isCelList`). */
const LIST_SYMBOL: unique symbol = Symbol.for('@bufbuild/cel/list') as never;

/**
 * A list a prefix of a shared backing array: `l + r` appends to the backing in place when `l` ends
 * where the backing does (nothing was appended after it), so building a list element by element is
 * linear, and the list stays flat.
 */
class AppendableList {
  readonly [LIST_SYMBOL] = {};
  constructor(
    private readonly backing: CelValue[],
    readonly size: number,
  ) {}

  get(index: number): CelValue | undefined {
    return index >= 0 && index < this.size ? this.backing[index] : undefined;
  }

  *values(): IterableIterator<CelValue> {
    for (let i = 0; i < this.size; i++) yield this.backing[i]!;
  }

  [Symbol.iterator](): IterableIterator<CelValue> {
    return this.values();
  }

  static concat(left: CelList, right: CelList): CelList {
    let backing: CelValue[];
    if (left instanceof AppendableList && left.backing.length === left.size) {
      charge(1 + right.size);
      backing = left.backing;
    } else {
      charge(1 + left.size + right.size);
      backing = [...left];
    }
    for (const value of right) backing.push(value);
    return new AppendableList(backing, backing.length) as unknown as CelList;
  }
}

const LIST = listType(CelScalar.DYN);

const listConcat = celFunc('_+_', [LIST, LIST], LIST, (left, right) => AppendableList.concat(left, right));

/**
 * `replace(old, new[, n])` in linear time, as the library defines it: the first `n` occurrences (all
 * when `n` is absent, none when `n` ≤ 0); an empty `old` puts `new` `n` times (or once per character)
 * in front. The result's length is charged before it is built.
 */
function replace(this: string, old: string, by: string, n?: bigint): string {
  if (old === '') {
    const times = n === undefined ? BigInt(this.length) : n <= 0n ? 0n : n;
    const length = BigInt(this.length) + BigInt(by.length) * times;
    charge(length > BigInt(MAX_EVALUATION_COST) ? MAX_EVALUATION_COST + 1 : Number(length));
    return by.repeat(Number(times)) + this;
  }
  const limit = n === undefined ? Infinity : n <= 0n ? 0 : Number(n);
  const parts: string[] = [];
  let from = 0;
  let count = 0;
  let length = this.length;
  for (let at = this.indexOf(old); at !== -1 && count < limit; at = this.indexOf(old, from)) {
    parts.push(this.slice(from, at), by);
    from = at + old.length;
    count += 1;
    length += by.length - old.length;
    if (length > MAX_EVALUATION_COST) break;
  }
  charge(Math.max(length, 0));
  parts.push(this.slice(from));
  return parts.join('');
}

const { STRING, INT } = CelScalar;
const replaceFuncs = [
  celMethod('replace', STRING, [STRING, STRING], STRING, function (this: string, old: string, by: string) {
    return replace.call(this, old, by);
  }),
  celMethod(
    'replace',
    STRING,
    [STRING, STRING, INT],
    STRING,
    function (this: string, old: string, by: string, n: bigint) {
      return replace.call(this, old, by, n);
    },
  ),
];

/**
 * The functions of an environment with every call metered, list `+` flat and `replace` linear; give
 * the result, followed by any functions of your own, as the `funcs` of the environment to evaluate in.
 */
export function meteredFunctions(funcs: Iterable<CelFunc>): CelFunc[] {
  return [...[...funcs].map(metered), metered(listConcat), ...replaceFuncs.map(metered)];
}
