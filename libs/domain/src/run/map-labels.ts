import type { Json } from '../spec/pipeline-spec.js';
import type { CompiledExpression, ExpressionScope } from '../spec/compiled-plan.js';
import { textProblem } from '../json/json-safety.js';

/** Longest label kept; longer ones are cut with "…" (a label names an instance, it is not its data). */
export const MAX_LABEL_LENGTH = 200;

/**
 * `label:` evaluated once per element when a map or group block expands (so the labels are recorded in
 * the expansion event and replay gives the same). A string, number or boolean result is the label;
 * anything else, or an evaluation error, refuses the whole expansion with the element's index.
 */
export function labelsOf(
  expression: CompiledExpression,
  scope: ExpressionScope,
  items: readonly Json[],
): { ok: true; labels: string[] } | { ok: false; error: string } {
  const labels: string[] = [];
  for (const [i, item] of items.entries()) {
    const result = expression.evaluate({ ...scope, item });
    if (!result.ok) return { ok: false, error: `label of element ${i}: ${result.error}` };
    const value = result.value;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      const got = value === null ? 'null' : Array.isArray(value) ? 'a list' : 'an object';
      return { ok: false, error: `label of element ${i}: ${expression.source} gave ${got}, not a string` };
    }
    const text = String(value);
    const problem = textProblem(text);
    if (problem !== null) return { ok: false, error: `label of element ${i}: ${problem}` };
    labels.push(text.length > MAX_LABEL_LENGTH ? `${text.slice(0, MAX_LABEL_LENGTH - 1)}…` : text);
  }
  return { ok: true, labels };
}
