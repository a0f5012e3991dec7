import type { TaskState } from '../rules/task-state.js';

// Task selectors name task instances of a run for operator actions (clear, group retry), resolved
// against the run's current instances so a dry run and the real action name the same ones:
//
// - an exact task id selects that instance: `market=GR/retrieve[3]`, `consolidate`;
// - a group path selects every instance in it, nested groups included: `market=GR`, `market=GR/*`;
// - `*` stands for any characters within one path segment: `*/evaluate`, `market=*/report`;
//   a final `*` segment stands for everything below: `market=GR/*`, `*`;
// - a stage without index selects every map index: `market=GR/retrieve` ⇒ `retrieve[0]`, `retrieve[1]`…;
// - a selector without `/` and without `=` names a stage at any depth: `retrieve[3]` is index 3 of
//   `retrieve` in every group, `evaluate` every instance of `evaluate`.
//
// Group keys cannot contain `/ = [ ] *` (task-id.ts), so these forms never collide with a real key.

export interface SelectableInstance {
  readonly taskId: string;
  readonly state: TaskState;
}

export interface TaskSelection {
  /** Matching task ids in run order (the order of `instances`), each once. */
  taskIds: string[];
  /** Selectors that matched no instance at all (before the state filter). */
  unmatched: string[];
}

/** Why a selector is malformed, or null. */
export function invalidTaskSelectorReason(selector: string): string | null {
  if (selector.length === 0) return 'is empty';
  if (/\s/.test(selector)) return 'contains whitespace';
  if (selector.split('/').some((segment) => segment.length === 0)) return 'has an empty path segment';
  if (/[[\]]/.test(selector) && !/^[^[\]]*\[(\d+|\*)\]$/.test(selector))
    return 'has a map index other than a final [n] or [*]';
  return null;
}

/**
 * The instances the selectors name; with `states`, only those currently in one of them (the
 * selectors still count as matched when they matched instances in other states).
 */
export function selectTaskInstances(
  instances: Iterable<SelectableInstance>,
  selectors: readonly string[],
  options: { states?: readonly TaskState[] | null } = {},
): TaskSelection {
  const all = [...instances];
  const exact = new Set(all.map((i) => i.taskId));
  const matchers = selectors.map((s) => ({ selector: s, test: matcherOf(s, exact) }));
  const matched = new Set<string>();
  const states = options.states && options.states.length > 0 ? new Set(options.states) : null;
  const taskIds: string[] = [];
  for (const instance of all) {
    let hit = false;
    for (const m of matchers) {
      if (!m.test(instance.taskId)) continue;
      matched.add(m.selector);
      hit = true;
    }
    if (hit && (states === null || states.has(instance.state))) taskIds.push(instance.taskId);
  }
  return { taskIds, unmatched: selectors.filter((s) => !matched.has(s)) };
}

function matcherOf(selector: string, exact: ReadonlySet<string>): (taskId: string) => boolean {
  if (exact.has(selector)) return (taskId) => taskId === selector;
  const segments = selector.split('/');
  const last = segments[segments.length - 1]!;
  // A bare stage name: the last segment at any depth.
  if (segments.length === 1 && !last.includes('=') && last !== '*') {
    const stage = stageMatcher(last);
    return (taskId) => stage(lastSegment(taskId));
  }
  // A group path (its last segment is `name=key`) or a final `*`: everything below it.
  if (last === '*' || last.includes('=')) {
    const prefix = (last === '*' ? segments.slice(0, -1) : segments).map(globOf);
    return (taskId) => {
      const parts = taskId.split('/');
      return parts.length > prefix.length && prefix.every((re, i) => re.test(parts[i]!));
    };
  }
  const groups = segments.slice(0, -1).map(globOf);
  const stage = stageMatcher(last);
  return (taskId) => {
    const parts = taskId.split('/');
    return (
      parts.length === segments.length &&
      groups.every((re, i) => re.test(parts[i]!)) &&
      stage(parts[parts.length - 1]!)
    );
  };
}

/** `retrieve` matches `retrieve` and every `retrieve[n]`; `retrieve[3]` only itself; `*` globs. */
function stageMatcher(pattern: string): (segment: string) => boolean {
  const re = globOf(pattern);
  if (pattern.includes('[')) return (segment) => re.test(segment);
  return (segment) => re.test(segment.replace(/\[\d+\]$/, ''));
}

function globOf(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${body}$`);
}

function lastSegment(taskId: string): string {
  return taskId.slice(taskId.lastIndexOf('/') + 1);
}
