import { celEnv, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileExpression } from './cel-expression.js';
import { MAX_EVALUATION_COST, MAX_EXPRESSION_DEPTH } from './cel-cost.js';

/** `FUZZ_RUNS=100000 npx vitest run --root libs/domain cel-cost` checks `replace` longer. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const evaluate = (source: string, params: unknown = {}) => {
  const compiled = compileExpression(source);
  if (!compiled.ok) throw new Error(compiled.message);
  const started = Date.now();
  const result = compiled.expression.evaluate({
    params,
    item: null,
    group: null,
    upstream: {},
    run: {},
  } as never);
  return { result, ms: Date.now() - started };
};

const OVER_BUDGET = `more than ${MAX_EVALUATION_COST} characters and list elements in one evaluation`;

describe('CEL cost and depth budgets (issue #8)', () => {
  it('refuses an expression nested deeper than the depth limit when compiled, with the depth', () => {
    const chain = Array.from({ length: 1500 }, () => '1').join('+');
    expect(compileExpression(chain)).toEqual({
      ok: false,
      message: `the expression nests 1500 levels deep (operators, calls, member accesses); at most ${MAX_EXPRESSION_DEPTH} are allowed — split it up`,
      position: null,
    });
    expect(compileExpression(Array.from({ length: 100 }, () => '1').join('+')).ok).toBe(true);
  });

  it('maps over 50 000 elements (the library’s nested concatenation overflowed the stack past ~4 000)', () => {
    const l = Array.from({ length: 50_000 }, (_, i) => i);
    const mapped = evaluate('params.l.map(x, x * 2.0)', { l });
    expect(mapped.result).toEqual({ ok: true, value: l.map((x) => x * 2) });
    expect(evaluate('params.l.filter(x, x >= 49998.0)', { l }).result).toEqual({
      ok: true,
      value: [49_998, 49_999],
    });
    expect(evaluate('params.l.map(x, x)[49999]', { l }).result).toEqual({ ok: true, value: 49_999 });
  });

  it('a list appended to twice keeps both results apart (appending shares storage only when safe)', () => {
    expect(evaluate('[params.l + [3]].map(a, [a + [4], a + [5], a])[0]', { l: [1, 2] }).result).toEqual({
      ok: true,
      value: [
        [1, 2, 3, 4],
        [1, 2, 3, 5],
        [1, 2, 3],
      ],
    });
    expect(evaluate('[params.l].map(a, [a + a, a])[0]', { l: [1, 2] }).result).toEqual({
      ok: true,
      value: [
        [1, 2, 1, 2],
        [1, 2],
      ],
    });
  });

  it.each([
    ['replace blowing up a string', '[params.s.replace("a", params.s)].map(a, a.replace("a", a)).size()'],
    ['replace with a huge count on an empty pattern', '"a".replace("", "b", 1000000000000)'],
    ['a string search inside a large map', 'params.l.map(x, params.s.contains("b"))'],
    ['deep equality inside a large map', 'params.l.map(x, params.l == params.l)'],
    [
      'list doubling in nested comprehensions',
      '[params.l+params.l].map(a, [a+a].map(b, [b+b].map(c, [c+c].map(d, [d+d].map(e, [e+e].map(f, [f+f].map(g, [g+g].map(h, [h+h].map(i, [i+i].map(j, size(j+j)))))))))))',
    ],
  ])('stops %s with the cost error, within seconds', (_, source) => {
    const { result, ms } = evaluate(source, {
      s: 'a'.repeat(5000),
      l: Array.from({ length: 20_000 }, (_, i) => i),
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(OVER_BUDGET);
    expect(ms).toBeLessThan(8_000);
  });

  it('replace on a 500 000-character string is linear (the library’s ran for minutes)', () => {
    const { result, ms } = evaluate('params.s.replace("a", "bc").size()', { s: 'a'.repeat(500_000) });
    expect(result).toEqual({ ok: true, value: 1_000_000 });
    expect(ms).toBeLessThan(2_000);
  });

  it('replace gives what the library’s replace gives, for any text, pattern, replacement and count', () => {
    const library = celEnv({ funcs: strings });
    const theirs = (s: string, old: string, by: string, n: number | null): unknown => {
      const args = n === null ? 'p.old, p.by' : `p.old, p.by, ${n}`;
      return plan(library, parse(`p.s.replace(${args})`))({ p: { s, old, by } } as never);
    };
    const text = fc.string({ unit: fc.constantFrom('a', 'b', 'ab', 'é', '😀'), maxLength: 12 });
    fc.assert(
      fc.property(
        text,
        text.map((s) => s.slice(0, 3)),
        text.map((s) => s.slice(0, 4)),
        fc.option(fc.integer({ min: -2, max: 6 })),
        (s, old, by, n) => {
          const args = n === null ? 'params.old, params.by' : `params.old, params.by, ${n}`;
          const ours = evaluate(`params.s.replace(${args})`, { s, old, by }).result;
          expect(ours).toEqual({ ok: true, value: theirs(s, old, by, n) });
        },
      ),
      { seed: 8, numRuns: RUNS },
    );
  });

  it('ordinary expressions are far under the budget', () => {
    const upstream = Array.from({ length: 10_000 }, (_, i) => ({ q: `query ${i}`, tags: ['a', 'b'] }));
    const { result } = evaluate(
      'params.u.filter(x, "a" in x.tags && x.q.startsWith("query")).map(x, x.q.upperAscii() + "/" + string(size(x.tags)))',
      { u: upstream },
    );
    expect(result.ok && Array.isArray(result.value) && result.value.length).toBe(10_000);
  });
  it('no composition of string, list and comprehension functions hangs or throws (fuzzed)', () => {
    const params = {
      s: 'ab'.repeat(400),
      l: Array.from({ length: 300 }, (_, i) => i),
      w: ['x', 'yy', 'a'],
    };
    const leaf = fc.constantFrom('params.s', '"a"', '""', '"ab,"', 'string(size(params.l))');
    const listLeaf = fc.constantFrom('params.l', 'params.w', '[1, 2, 3]', '[]', 'params.s.split("")');
    const cel = fc.letrec<{ str: string; list: string; any: string }>((tie) => ({
      str: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.tuple(tie('str'), tie('str')).map(([a, b]) => `(${a} + ${b})`),
        fc.tuple(tie('str'), tie('str'), tie('str')).map(([a, b, c]) => `${a}.replace(${b}, ${c})`),
        tie('list').map((l) => `${l}.map(v, string(v)).join(",")`),
        fc.tuple(tie('str'), tie('list')).map(([f, l]) => `"%s%s".format([${f}, ${l}])`),
        tie('str').map((a) => `${a}.upperAscii()`),
      ),
      list: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        listLeaf,
        fc.tuple(tie('list'), tie('list')).map(([a, b]) => `(${a} + ${b})`),
        fc.tuple(tie('list'), tie('any')).map(([l, e]) => `${l}.map(v, ${e})`),
        fc.tuple(tie('list'), tie('any')).map(([l, e]) => `${l}.filter(v, ${e} == ${e})`),
        tie('str').map((a) => `${a}.split("a")`),
      ),
      any: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        tie('str'),
        tie('list'),
        fc.constantFrom('v', 'size(params.s)'),
        fc.tuple(tie('any'), tie('list')).map(([e, l]) => `(${e} in ${l})`),
        fc.tuple(tie('str'), tie('str')).map(([a, b]) => `${a}.contains(${b})`),
        fc.tuple(tie('list'), tie('any')).map(([l, e]) => `${l}.exists(v, ${e} == ${e})`),
      ),
    })).any;
    fc.assert(
      fc.property(cel, (source) => {
        const compiled = compileExpression(source);
        if (!compiled.ok) {
          expect(compiled.message.length, source).toBeGreaterThan(10);
          return;
        }
        const started = Date.now();
        const result = compiled.expression.evaluate({
          params,
          item: null,
          group: null,
          upstream: {},
          run: {},
        } as never);
        expect(Date.now() - started, source).toBeLessThan(8_000);
        if (!result.ok) expect(result.error.length, source).toBeGreaterThan(source.length);
      }),
      { seed: 8, numRuns: Number(process.env.FUZZ_RUNS ?? 40) },
    );
  }, 120_000);
});
