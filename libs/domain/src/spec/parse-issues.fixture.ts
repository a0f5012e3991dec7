import { expect } from 'vitest';
import { parsePipelineSpec } from './parse-pipeline-spec.js';
import type { ValidationIssue } from './pipeline-spec.js';

/** The issues of a spec that must be refused. */
export function issuesOf(input: string | object, format?: 'yaml' | 'json'): ValidationIssue[] {
  const result = parsePipelineSpec(input, format);
  if (result.ok) throw new Error('expected the spec to be refused');
  return result.issues;
}

/** The one issue at `path`; its message must contain every fragment. */
export function expectIssue(issues: readonly ValidationIssue[], path: string, ...fragments: string[]): void {
  const at = issues.filter((issue) => issue.path === path);
  expect(at, `issues: ${JSON.stringify(issues, null, 2)}`).toHaveLength(1);
  for (const fragment of fragments) expect(at[0]?.message).toContain(fragment);
}

/** A minimal task body for spec fixtures. */
export const TASK = 'executor: noop';
