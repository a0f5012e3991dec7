import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jsonProblem, sanitizeText, textProblem, MAX_JSON_DEPTH } from './json-safety.js';

const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
};

describe('jsonProblem', () => {
  it.each([
    ['a NUL in a string', { a: ['x', 'a\u0000b'] }, '/a/1', 'NUL character (\\u0000) at index 1'],
    ['a lone high surrogate', { s: '\ud800' }, '/s', 'unpaired UTF-16 surrogate (\\ud800) at index 0'],
    ['a lone low surrogate', { s: 'x\udc00' }, '/s', 'unpaired UTF-16 surrogate (\\udc00) at index 1'],
    ['a NUL in a key', { 'k\u0000': 1 }, '/k\u0000', 'key contains the NUL'],
    [
      '__proto__ from JSON.parse',
      JSON.parse('{"a":{"__proto__":{"x":1}}}'),
      '/a/__proto__',
      '"__proto__" is not allowed',
    ],
    ['constructor', { constructor: 1 }, '/constructor', '"constructor" is not allowed'],
    ['a key with a slash', { 'a/b': { '\ud800': 1 } }, '/a~1b/\ud800', 'key contains an unpaired'],
    ['NaN', { n: Number.NaN }, '/n', 'NaN is not a JSON number'],
  ])('finds %s', (_, value, path, message) => {
    const problem = jsonProblem(value);
    expect(problem?.path).toBe(path);
    expect(problem?.message).toContain(message);
  });

  it('accepts paired surrogates (emoji), empty containers and the limit depth exactly', () => {
    expect(jsonProblem({ e: '😀𝔘', a: [], o: {} })).toBeNull();
    expect(jsonProblem(nested(MAX_JSON_DEPTH))).toBeNull();
    expect(jsonProblem(nested(MAX_JSON_DEPTH + 1))?.message).toBe(
      `nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`,
    );
  });

  it('any JSON text that round-trips through UTF-8 and has no NUL or prototype key is accepted', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 10 }), (value) => {
        const text = JSON.stringify(value);
        const safe =
          !text.includes('\\u0000') &&
          Buffer.from(text, 'utf8').toString('utf8') === text &&
          !/"(__proto__|constructor|prototype)":/.test(text);
        expect(jsonProblem(JSON.parse(text)) === null).toBe(safe);
      }),
      { seed: 8, numRuns: 500 },
    );
  });
});

describe('sanitizeText', () => {
  it('replaces NUL and unpaired surrogates and keeps everything else', () => {
    expect(sanitizeText('a\u0000b\ud800c😀')).toBe('a\ufffdb\ufffdc😀');
    expect(textProblem(sanitizeText('\udc00\ud800\u0000'))).toBeNull();
  });
});
