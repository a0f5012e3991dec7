import { describe, it, expect } from 'vitest';
import { compileInputTemplate, findTemplateExpressions, templateSource } from './input-template.js';
import type { CompiledInputTemplate } from './compiled-plan.js';
import type { Json } from './pipeline-spec.js';

function template(input: Record<string, Json>): CompiledInputTemplate {
  const result = compileInputTemplate(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.template;
}

describe('compileInputTemplate', () => {
  it('keeps literal JSON and evaluates strings that are exactly ${{ <CEL> }}, nested included', () => {
    const compiled = template({
      value: '${{ upstream.double }}',
      literal: 'plain ${{ not a template }} text',
      nested: { list: [1, '${{ params.n * 2.0 }}', { key: '${{group.key}}' }], flag: true, none: null },
    });
    expect(compiled.upstreamRefs).toEqual(['double']);
    expect(
      compiled.render({
        upstream: { double: [4, 8] },
        params: { n: 3 },
        group: { key: 'LU', value: 'LU', path: 'market=LU', parent: null },
      }),
    ).toEqual({
      ok: true,
      value: {
        value: [4, 8],
        literal: 'plain ${{ not a template }} text',
        nested: { list: [1, 6, { key: 'LU' }], flag: true, none: null },
      },
    });
  });

  it('renders a fresh object each time', () => {
    const compiled = template({ list: [1, 2] });
    const first = compiled.render({});
    const second = compiled.render({});
    expect(first).toEqual(second);
    expect(first.ok && second.ok && first.value !== second.value).toBe(true);
  });

  it('returns the failing expression with its pointer instead of throwing', () => {
    const compiled = template({ a: { b: ['${{ upstream.x.missing }}'] } });
    const result = compiled.render({ upstream: { x: {} } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/^\/a\/b\/0: upstream\.x\.missing: /);
  });

  it('reports every expression that does not compile, with its pointer', () => {
    const result = compileInputTemplate({ a: '${{ 1 + }}', b: ['${{ nope }}'], c: '${{ params.ok }}' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((issue) => issue.path)).toEqual(['/a', '/b/0']);
  });

  it('finds template strings in document order', () => {
    expect(templateSource('${{ a }}')).toBe('a');
    expect(templateSource('x ${{ a }}')).toBeNull();
    expect(findTemplateExpressions({ a: 1, b: ['${{ item }}'], c: { d: '${{upstream.e}}' } })).toEqual([
      { path: ['b', 0], source: 'item' },
      { path: ['c', 'd'], source: 'upstream.e' },
    ]);
  });
});
