import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePlan } from './compile-plan.js';
import { parsePipelineSpec } from './parse-pipeline-spec.js';

/** `FUZZ_RUNS=100000 npx vitest run --root libs/domain parse-pipeline-spec.edges` fuzzes longer. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

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
  it('any stage tree — nested blocks, random dependsOn, hostile ids, CEL and with — parses or is refused, and compiles when valid', () => {
    const id = fc.oneof(
      fc.constantFrom(
        'a',
        'b',
        'c',
        'd',
        'e',
        'market',
        'x.y',
        'a b',
        '__proto__',
        'constructor',
        'ü',
        '\u0000',
        '',
      ),
      fc.string({ maxLength: 6 }),
    );
    const cel = fc.constantFrom(
      'params.l',
      'upstream.a',
      'upstream.b.map(x, x)',
      '[1, 2, 3]',
      'params.l.map(x, params.l.map(y, x))',
      '((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))',
      '"a\u0000"',
      'item.x + 1',
      '',
    );
    const withValue = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      cel.map((c) => `\${{ ${c} }}`),
      fc.constant(JSON.parse('{"__proto__": 1}') as unknown),
    );
    const tree: fc.Arbitrary<unknown[]> = fc.letrec<{ stages: unknown[]; stage: unknown }>((tie) => ({
      stages: fc.array(tie('stage'), { minLength: 1, maxLength: 4 }),
      stage: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.record(
          {
            id,
            executor: fc.oneof(fc.constant('noop'), id),
            dependsOn: fc.array(id, { maxLength: 3 }),
            map: fc.oneof(cel, fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 })),
            when: cel,
            with: fc.dictionary(fc.string({ maxLength: 4 }), withValue, { maxKeys: 3 }),
            triggerRule: fc.constantFrom('all_success', 'all_done', 'one_failed', 'bogus'),
          },
          { requiredKeys: ['id', 'executor'] },
        ),
        fc.record(
          {
            group: id,
            over: fc.oneof(
              cel,
              fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), { maxLength: 3 }),
            ),
            key: cel,
            dependsOn: fc.array(id, { maxLength: 2 }),
            stages: tie('stages'),
          },
          { requiredKeys: ['group', 'over', 'stages'] },
        ),
      ),
    })).stages;
    // Mostly well-formed (unique ids, acyclic dependsOn on earlier siblings, only known upstreams read), so
    // that valid specs reach compilePlan; the hostile values above stay in the stages left untidy.
    const tidy = (stages: unknown[], clean: readonly boolean[], at = 0): unknown[] =>
      stages.map((raw, i) => {
        const stage = { ...(raw as Record<string, unknown>) };
        if (!clean[(at + i) % clean.length]) return stage;
        const key = 'group' in stage ? 'group' : 'id';
        stage[key] = `s${i}`;
        stage['dependsOn'] = i > 0 ? [`s${i - 1}`] : [];
        if (key === 'id') {
          stage['executor'] = 'noop';
          stage['map'] = i > 0 && i % 2 === 0 ? `upstream.s${i - 1}` : undefined;
          delete stage['when'];
          stage['with'] = { n: i };
          stage['triggerRule'] = 'all_done';
        } else {
          stage['over'] = ['LU', 'PT'];
          delete stage['key'];
          stage['stages'] = tidy(stage['stages'] as unknown[], clean, at + i + 1);
        }
        return JSON.parse(JSON.stringify(stage)) as unknown;
      });
    fc.assert(
      fc.property(
        tree,
        fc
          .array(fc.boolean(), { minLength: 10, maxLength: 10 })
          .map((b) => b.map((x, i) => x || i % 10 !== 0)),
        fc.constantFrom('yaml', 'json') as fc.Arbitrary<'yaml' | 'json'>,
        (raw, clean, format) => {
          const stages = tidy(raw, clean);
          const document = { id: 'p', params: { type: 'object' }, stages, consolidate: { executor: 'noop' } };
          const parsed = parsePipelineSpec(JSON.stringify(document), format);
          if (!parsed.ok) {
            expect(parsed.issues.length).toBeGreaterThan(0);
            for (const issue of parsed.issues) expect(issue.message.length).toBeGreaterThan(3);
            return;
          }
          expect(() => compilePlan(parsed.spec)).not.toThrow();
        },
      ),
      { seed: 8, numRuns: RUNS },
    );
  });
});
