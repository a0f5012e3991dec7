import { describe, it, expect } from 'vitest';
import { compileExpression } from './cel-expression.js';
import type { CompiledExpression, ExpressionScope } from './compiled-plan.js';

const scope: ExpressionScope = {
  params: { markets: ['LU', 'PT', 'GR'], threshold: 0.5 },
  group: { key: 'PT', value: 'PT', path: 'market=PT', parent: null },
  upstream: { 'ner-diff': { brands: ['x'] }, generate: { queries: ['red shoes', 'blue shirt'] } },
  item: 2,
  run: { id: 'run-1', pipeline: 'search-quality' },
};

function compiled(source: string): CompiledExpression {
  const result = compileExpression(source);
  if (!result.ok) throw new Error(result.message);
  return result.expression;
}

const evaluate = (source: string, at: ExpressionScope = scope) => compiled(source).evaluate(at);

describe('compileExpression: evaluation gives plain JSON', () => {
  it.each([
    ['params.markets', ['LU', 'PT', 'GR']],
    ['group.key != "LU"', true],
    ['upstream["ner-diff"]', { brands: ['x'] }],
    ['upstream.generate.queries', ['red shoes', 'blue shirt']],
    ['[1, 2, 3]', [1, 2, 3]],
    ['item == 2', true],
    ['size(params.markets)', 3],
    ['1u + 2u', 3],
    ['{"a": 1, 2: [1.5, true, null]}', { a: 1, '2': [1.5, true, null] }],
    ['params.markets.filter(m, m != "LU").map(m, m.lowerAscii())', ['pt', 'gr']],
    ['run.pipeline + "/" + group.path', 'search-quality/market=PT'],
    ['has(upstream.generate) ? "yes" : "no"', 'yes'],
    ['params.threshold * 2.0', 1],
  ])('%s', (source, expected) => {
    expect(evaluate(source)).toEqual({ ok: true, value: expected });
  });

  it('returns numbers, never bigints', () => {
    const result = evaluate('[1, 2, 3]');
    expect(result.ok && Array.isArray(result.value) && result.value.every((n) => typeof n === 'number')).toBe(
      true,
    );
  });

  it('sees the enclosing group through group.parent', () => {
    const nested: ExpressionScope = {
      group: {
        key: 'fr',
        value: 'fr',
        path: 'market=LU/lang=fr',
        parent: { key: 'LU', value: 'LU', path: 'market=LU', parent: null },
      },
    };
    expect(evaluate('group.parent.key + "-" + group.key', nested)).toEqual({ ok: true, value: 'LU-fr' });
  });
});

describe('compileExpression: failures are values, never throws', () => {
  it.each([
    ['params.missing', 'no such key'],
    ['upstream.generate.nope', 'no such key'],
    ['params.markets + 1', 'type error'],
    ['1 / 0', 'division by zero'],
    ['9223372036854775807', 'beyond ±2^53'],
    ['b"bytes"', 'bytes'],
  ])('%s (%s) gives ok:false', (source) => {
    const result = evaluate(source);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(source);
  });

  it('reports a variable the scope does not bind', () => {
    expect(evaluate('item * 2.0', { params: {} })).toEqual({
      ok: false,
      error: 'item * 2.0: "item" is not available here',
    });
  });
});

describe('compileExpression: compile errors and upstream references', () => {
  it('reports a syntax error with its line and column', () => {
    const result = compileExpression('upstream.');
    expect(result).toMatchObject({ ok: false, position: { line: 1, column: 9 } });
    if (!result.ok) expect(result.message).toMatch(/^line 1, column 9: /);
  });

  it.each([
    ['foo(1)', 'unknown function "foo"'],
    ['markets', 'undeclared reference to "markets"'],
    ['parms.x', 'undeclared reference to "parms" (did you mean "params"?)'],
    ['upstream', 'literal stage id'],
    ['upstream[params.key]', 'literal stage id'],
  ])('%s is refused: %s', (source, message) => {
    const result = compileExpression(source);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(message);
  });

  it('extracts upstream references in first-use order, dotted or indexed', () => {
    expect(
      compiled(
        'upstream["ner-diff"].size() > 0 || upstream.generate != null || upstream[\'ner-diff\'] == null',
      ).upstreamRefs,
    ).toEqual(['ner-diff', 'generate']);
    expect(compiled('has(upstream.prepare)').upstreamRefs).toEqual(['prepare']);
    expect(compiled('params.markets').upstreamRefs).toEqual([]);
  });

  it('lets comprehension variables shadow outer names', () => {
    const expression = compiled('[1, 2].map(upstream, upstream * 2)');
    expect(expression.upstreamRefs).toEqual([]);
    expect(expression.evaluate({})).toEqual({ ok: true, value: [2, 4] });
  });

  it('is frozen', () => {
    expect(Object.isFrozen(compiled('1'))).toBe(true);
  });
});
