import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parsePipelineSpec } from './parse-pipeline-spec.js';
import { compileExpression } from './cel-expression.js';
import { MAX_EVALUATION_ITERATIONS } from './cel-budget.js';

/** `FUZZ_RUNS=100000 npx vitest run --root libs/domain spec-fuzz` fuzzes longer. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const celToken = fc.constantFrom(
  'params',
  'item',
  'group',
  'upstream.a',
  'run',
  '.',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '?',
  '!',
  '+',
  '-',
  '*',
  '/',
  '%',
  '==',
  '&&',
  '||',
  ' ',
  '1',
  '1.5',
  '"s"',
  "'\\u0000'",
  '"\\ud800"',
  'true',
  'null',
  '.map(x, ',
  '.filter(x, ',
  '.all(x, ',
  '.exists(x, ',
  'size(',
  'int(',
  'string(',
  'x',
  'params.l',
  '[1,2,3]',
);
const celSource = fc.array(celToken, { maxLength: 40 }).map((t) => t.join(''));

/** Nested comprehensions over the bound list: the shape that exhausted the planner before budgets. */
const nestedMaps = fc
  .tuple(fc.integer({ min: 1, max: 7 }), fc.constantFrom('map', 'filter', 'exists', 'all'))
  .map(([depth, macro]) => {
    let body = macro === 'map' ? 'v0' : 'v0 >= 0.0';
    for (let i = depth - 1; i >= 0; i--) body = `params.l.${macro}(v${i}, ${body})`;
    return body.replace(/ v0 >= 0\.0\)/, ' true)');
  });

describe('spec and CEL fuzzing (issue #8)', () => {
  it('parsePipelineSpec answers any text or JSON with a spec or precise issues, never a throw', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v)),
          fc
            .record({
              id: fc.string(),
              stages: fc.array(fc.record({ id: fc.string(), executor: fc.string(), map: celSource }), {
                maxLength: 3,
              }),
            })
            .map((v) => JSON.stringify(v)),
        ),
        (text) => {
          for (const format of ['yaml', 'json'] as const) {
            const parsed = parsePipelineSpec(text, format);
            if (!parsed.ok) {
              expect(parsed.issues.length).toBeGreaterThan(0);
              for (const issue of parsed.issues) expect(issue.message.length).toBeGreaterThan(3);
            }
          }
        },
      ),
      { seed: 8, numRuns: RUNS },
    );
  });

  it('compiles any expression text or refuses it with a message; evaluation never throws', () => {
    fc.assert(
      fc.property(celSource, (source) => {
        const compiled = compileExpression(source);
        if (!compiled.ok) {
          expect(compiled.message.length).toBeGreaterThan(3);
          return;
        }
        const result = compiled.expression.evaluate({
          params: { l: [1, 2, 3] },
          item: 1,
          group: null,
          upstream: { a: [1] },
          run: { id: 'r' },
        } as never);
        expect(typeof result.ok).toBe('boolean');
      }),
      { seed: 8, numRuns: RUNS },
    );
  });

  it('a hostile expression stops at the iteration budget within seconds, whatever its nesting', () => {
    const list = Array.from({ length: 60 }, (_, i) => i);
    fc.assert(
      fc.property(nestedMaps, (source) => {
        const compiled = compileExpression(source);
        expect(compiled.ok, source).toBe(true);
        if (!compiled.ok) return;
        const started = Date.now();
        const result = compiled.expression.evaluate({ params: { l: list } } as never);
        expect(Date.now() - started).toBeLessThan(5_000);
        if (!result.ok)
          expect(result.error).toContain(`more than ${MAX_EVALUATION_ITERATIONS} list elements`);
      }),
      { seed: 8, numRuns: 12 },
    );
  });
});
