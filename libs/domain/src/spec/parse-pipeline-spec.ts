import { checkScheduleDocument, checkScheduleParams } from './cron-schedule.js';
import { checkExpressions } from './expression-checks.js';
import { checkFanInOptions } from './fan-in-checks.js';
import { compareJsonPointers } from './json-pointer.js';
import { compileParamsSchema } from './params-schema.js';
import type { Json, PipelineSpec, ValidationIssue } from './pipeline-spec.js';
import { pipelineSpecSchema } from './pipeline-spec.schema.js';
import { readRawStageTree } from './raw-stage-tree.js';
import { resolvePipelineSpec } from './resolve-pipeline-spec.js';
import { schemaIssuesToValidation } from './schema-issues.js';
import { readSpecDocument } from './spec-document.js';
import { checkStageGraph } from './stage-graph-checks.js';
import { checkUpstreamTriggers } from './upstream-trigger.js';
import { checkSecretParams } from './secret-params.js';

/** Result of {@link parsePipelineSpec}. */
export type ParsePipelineSpecResult =
  { ok: true; spec: PipelineSpec } | { ok: false; issues: ValidationIssue[] };

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Parses and validates a pipeline spec (DESIGN §4) and applies every default.
 *
 * `input` is YAML or JSON text (`format` defaults to YAML, which also reads JSON; `'json'` is
 * strict JSON) or an already-parsed object. Every problem is collected — shape (unknown keys with
 * "did you mean", types, durations, limits, trigger rules), the stage graph (duplicate ids,
 * unknown `dependsOn`, cycles), CEL (compile errors with position, `upstream.x` that is not a
 * direct upstream), pools and the params JSON Schema — each with a JSON pointer into the raw
 * document and, for text input, its line and column. Issues are sorted by path. Pure; never throws.
 */
export function parsePipelineSpec(input: string | object, format?: 'yaml' | 'json'): ParsePipelineSpecResult {
  const read = readSpecDocument(input, format);
  if (!read.ok) return { ok: false, issues: read.issues };
  const document = read.value;

  const shape = pipelineSpecSchema.safeParse(document);
  const issues: ValidationIssue[] = shape.success
    ? []
    : schemaIssuesToValidation(shape.error.issues, document);
  if (isObject(document)) {
    const tree = readRawStageTree(document);
    issues.push(...checkStageGraph(tree), ...checkExpressions(document, tree));
    issues.push(...checkUpstreamTriggers(document));
    issues.push(...checkFanInOptions(document, tree));
    if (isObject(document['params'])) {
      const params = compileParamsSchema(document['params'] as Record<string, Json>);
      if (!params.ok) issues.push(...params.issues);
      issues.push(...checkSecretParams(document));
    }
    issues.push(...checkScheduleDocument(document));
  }
  if (issues.length > 0 || !shape.success) {
    return {
      ok: false,
      issues: dedupe(issues)
        .sort((a, b) => compareJsonPointers(a.path, b.path))
        .map((issue) => located(issue, read.locate)),
    };
  }
  const spec = resolvePipelineSpec(shape.data);
  const scheduleIssues = spec.schedule ? checkScheduleParams(spec.schedule, spec.params) : [];
  if (scheduleIssues.length > 0) return { ok: false, issues: scheduleIssues.map((i) => located(i, read.locate)) };
  return { ok: true, spec };
}

function located(
  issue: ValidationIssue,
  locate: (pointer: string) => { line: number; column: number } | null,
): ValidationIssue {
  if (issue.line !== undefined) return issue;
  const position = locate(issue.path);
  return position === null ? issue : { ...issue, line: position.line, column: position.column };
}

function dedupe(issues: readonly ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
