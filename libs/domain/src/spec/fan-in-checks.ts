import { TOLERATE_RULES } from '../rules/failure-budget.js';
import { toJsonPointer } from './json-pointer.js';
import type { ValidationIssue } from './pipeline-spec.js';
import type { RawStageLevel } from './raw-stage-tree.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Checks across fields for the fan-in options: `consolidate.tolerate` needs a top-level group block
 * (it counts groups) and a trigger rule that waits for every group; `label` is for mapped stages and
 * group blocks only (an unmapped task has one instance and its id already names it).
 */
export function checkFanInOptions(document: unknown, root: RawStageLevel): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const consolidate = isObject(document) ? document['consolidate'] : undefined;
  if (isObject(consolidate) && consolidate['tolerate'] !== undefined) {
    const path = toJsonPointer(['consolidate', 'tolerate']);
    const rule = consolidate['triggerRule'] ?? 'all_success';
    if (typeof rule === 'string' && !(TOLERATE_RULES as readonly string[]).includes(rule))
      issues.push({
        path,
        message: `tolerate does not combine with triggerRule ${rule}: a failure budget needs a rule that waits for every group (${TOLERATE_RULES.join(', ')})`,
      });
    if (!root.entries.some((entry) => entry.kind === 'group'))
      issues.push({
        path,
        message: 'tolerate counts failed groups, but the pipeline has no top-level group block',
      });
  }
  checkLabels(root, issues);
  return issues;
}

function checkLabels(level: RawStageLevel, issues: ValidationIssue[]): void {
  for (const entry of level.entries) {
    if (entry.kind === 'task' && entry.raw['label'] !== undefined && entry.raw['map'] === undefined)
      issues.push({
        path: toJsonPointer([...entry.path, 'label']),
        message: `label names the instances of a mapped stage or the groups of a block: stage "${entry.id ?? '?'}" has no map`,
      });
    if (entry.children !== null) checkLabels(entry.children, issues);
  }
}
