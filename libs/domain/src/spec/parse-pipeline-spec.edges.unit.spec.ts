import { describe, expect, it } from 'vitest';
import { compilePlan } from './compile-plan.js';
import { parsePipelineSpec } from './parse-pipeline-spec.js';

const issuesOf = (text: string, format?: 'yaml' | 'json') => {
  const parsed = parsePipelineSpec(text, format);
  if (parsed.ok) throw new Error('expected issues');
  return parsed.issues;
};

/** Issue #8: what a spec document cannot carry is refused at its path, and no document makes the parser throw. */
describe('parsePipelineSpec at the edges', () => {
  it.each([
    [
      'a NUL built by a YAML escape',
      'id: p\nstages:\n  - { id: a, executor: noop, with: { s: "a\\0b" } }\n',
      'yaml',
      {
        path: '/stages/0/with/s',
        message: 'string contains the NUL character (\\u0000) at index 1',
        line: 3,
      },
    ],
    [
      'a lone surrogate built by a JSON escape',
      '{"id":"p","stages":[{"id":"a","executor":"noop","with":{"s":"\\ud800"}}]}',
      'json',
      {
        path: '/stages/0/with/s',
        message: 'string contains an unpaired UTF-16 surrogate (\\ud800) at index 0',
      },
    ],
    [
      '__proto__ in YAML',
      'id: p\nstages:\n  - { id: a, executor: noop, with: { __proto__: { x: 1 } } }\n',
      'yaml',
      {
        path: '/stages/0/with/__proto__',
        message: 'the key "__proto__" is not allowed (it reaches the object prototype)',
      },
    ],
    [
      'constructor in JSON',
      '{"id":"p","stages":[{"id":"a","executor":"noop","with":{"constructor":1}}]}',
      'json',
      {
        path: '/stages/0/with/constructor',
        message: 'the key "constructor" is not allowed (it reaches the object prototype)',
      },
    ],
    [
      'YAML .nan',
      'id: p\nstages:\n  - { id: a, executor: noop, with: { n: .nan } }\n',
      'yaml',
      { path: '/stages/0/with/n', message: 'NaN is not a JSON number' },
    ],
    [
      'JSON nested 2 000 levels',
      `{"id":"p","stages":[{"id":"a","executor":"noop","with":{"d":${'['.repeat(2000)}${']'.repeat(2000)}}}]}`,
      'json',
      { message: 'nested deeper than 64 levels of arrays and objects' },
    ],
  ] as const)('refuses %s at its path', (_, text, format, expected) => {
    const issues = issuesOf(text, format);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject(expected);
  });

  it('refuses YAML nested deeper than the parser can follow with the depth limit, not a stack overflow', () => {
    for (const text of [
      `id: p\nx: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`,
      `id: p\nx:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 1)}- `).join('\n')}1\n`,
    ]) {
      const issues = issuesOf(text);
      expect(issues[0]!.message).toMatch(
        /^YAML syntax error at line \d+, column \d+: the document nests too deeply to be read \(at most 64 levels are accepted\)$/,
      );
    }
  });

  it('finds duplicate keys in one pass (the parser’s own check was quadratic: 40 000 keys took 12 s)', () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `k${i}: ${i}`).join(', ');
    const started = Date.now();
    const issues = issuesOf(`id: p\nstages:\n  - { id: a, executor: noop, with: { ${keys}, k7: 1 } }\n`);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(issues).toEqual([
      expect.objectContaining({
        path: '',
        line: 3,
        message: expect.stringMatching(/Map keys must be unique$/),
      }),
    ]);
  });

  it('checks and compiles a chain of 20 000 stages, and names a 20 000-stage cycle briefly (the recursive check overflowed)', () => {
    const chain = Array.from(
      { length: 20_000 },
      (_, i) => `  - { id: s${i}, executor: noop${i > 0 ? `, dependsOn: [s${i - 1}]` : ''} }`,
    ).join('\n');
    const parsed = parsePipelineSpec(`id: p\nstages:\n${chain}\n`);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(() => compilePlan(parsed.spec)).not.toThrow();
    const cycle = Array.from(
      { length: 20_000 },
      (_, i) => `  - { id: s${i}, executor: noop, dependsOn: [s${(i + 1) % 20_000}] }`,
    ).join('\n');
    const issues = issuesOf(`id: p\nstages:\n${cycle}\n`);
    expect(issues[0]!.message).toBe(
      'dependency cycle: s0 → s19999 → s19998 → s19997 → s19996 → s19995 → s19994 → s19993 → s19992 → s19991 → … (19981 more) … → s9 → s8 → s7 → s6 → s5 → s4 → s3 → s2 → s1 → s0',
    );
  });
});
