import type { z } from 'zod';
import { didYouMeanSuffix } from './did-you-mean.js';
import { toJsonPointer, type PathSegment } from './json-pointer.js';
import type { ValidationIssue } from './pipeline-spec.js';
import { KNOWN_KEYS } from './pipeline-spec.schema.js';

type SchemaIssue = z.core.$ZodIssue;
type ObjectKind = keyof typeof KNOWN_KEYS;

const TASK_KEYS: ReadonlySet<string> = new Set(KNOWN_KEYS.task);
const GROUP_KEYS: ReadonlySet<string> = new Set(KNOWN_KEYS.group);

/**
 * Turns zod's issues for a raw pipeline document into precise {@link ValidationIssue}s:
 * one issue per unknown key (`/stages/1/retires: unknown key "retires" (did you mean "retries"?)`),
 * explicit messages for the stage mix-ups (a group block with `executor`, a task with `stages`,
 * `map` and `over` together), `missing required key "executor"`, and stage unions resolved to the
 * kind the stage declares (`group:` ⇒ group block, else task) instead of zod's "Invalid input".
 */
export function schemaIssuesToValidation(issues: readonly SchemaIssue[], raw: unknown): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of issues) mapIssue(issue, [], raw, out);
  return out;
}

function mapIssue(
  issue: SchemaIssue,
  base: readonly PathSegment[],
  raw: unknown,
  out: ValidationIssue[],
): void {
  const path = [
    ...base,
    ...issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
  ];
  const value = valueAt(raw, path);
  const push = (segments: readonly PathSegment[], message: string): void => {
    out.push({ path: toJsonPointer(segments), message });
  };
  switch (issue.code) {
    case 'invalid_union': {
      if (!isStagePosition(path)) return push(path, issue.message);
      if (!isObject(value)) {
        return push(
          path,
          `a stage must be an object: a task {id, executor, …} or a group block {group, over, stages}`,
        );
      }
      const anonymous = !('id' in value) && !('group' in value);
      if (anonymous) push(path, 'a stage needs "id" (a task) or "group" (a group block)');
      const branch = issue.errors['group' in value ? 1 : 0] ?? [];
      for (const nested of branch) {
        if (
          anonymous &&
          nested.code === 'invalid_type' &&
          nested.path.length === 1 &&
          nested.path[0] === 'id'
        )
          continue;
        mapIssue(nested, path, raw, out);
      }
      return;
    }
    case 'unrecognized_keys':
      for (const key of issue.keys) push([...path, key], unknownKeyMessage(path, value, key));
      return;
    case 'invalid_type': {
      const last = path[path.length - 1];
      if (value === undefined && typeof last === 'string')
        return push(path, `missing required key "${last}"`);
      if (issue.message.startsWith('Invalid input'))
        return push(path, `expected ${article(issue.expected)}, got ${describe(value)}`);
      return push(path, issue.message);
    }
    case 'invalid_key':
      return push(path, issue.issues[0]?.message ?? issue.message);
    default:
      return push(path, issue.message);
  }
}

function unknownKeyMessage(path: readonly PathSegment[], value: unknown, key: string): string {
  const kind = objectKindAt(path, value, key);
  if (kind === 'task') {
    const has = (name: string): boolean => isObject(value) && name in value;
    if (key === 'stages')
      return 'a task cannot have "stages": declare a group block with "group", "over" and "stages"';
    if (key === 'over' && has('map'))
      return '"map" and "over" on the same stage: a task maps with "map", a group block expands with "over"';
    if (key === 'over' || key === 'key')
      return `a task cannot have "${key}": only group blocks (declared with "group") expand over a list`;
    if (key === 'group')
      return 'a stage cannot have both "id" and "group": a task has "id", a group block has "group"';
  }
  if (kind === 'group') {
    if (key === 'map' && isObject(value) && 'over' in value) {
      return '"map" and "over" on the same stage: a task maps with "map", a group block expands with "over"';
    }
    if (key === 'executor')
      return 'a group block cannot have "executor": only tasks run an executor (put a task in the block\'s "stages")';
    if (key === 'id') return 'a group block is named by "group", not "id"';
    if (TASK_KEYS.has(key))
      return `a group block cannot have "${key}": it is a task setting (set it on the block's tasks or in "defaults")`;
  }
  const known = kind === null ? [] : KNOWN_KEYS[kind];
  return `unknown key "${key}"${didYouMeanSuffix(key, known)}`;
}

/** Which kind of object sits at `path` (for its list of known keys), judging stages by their keys. */
function objectKindAt(path: readonly PathSegment[], value: unknown, key: string): ObjectKind | null {
  if (path.length === 0) return 'pipeline';
  if (path.length === 1 && (path[0] === 'limits' || path[0] === 'defaults' || path[0] === 'consolidate'))
    return path[0];
  if (path.length === 2 && path[0] === 'pools') return 'pool';
  if (path.length === 2 && path[0] === 'on') return 'upstreamTrigger';
  if (!isStagePosition(path)) return null;
  if (GROUP_KEYS.has(key) && !TASK_KEYS.has(key)) return 'task';
  if (TASK_KEYS.has(key) && !GROUP_KEYS.has(key)) return 'group';
  return isObject(value) && 'group' in value ? 'group' : 'task';
}

/** True for `…/stages/<n>`: an entry of a stages list (top level or inside a block). */
export const isStagePosition = (path: readonly PathSegment[]): boolean =>
  path.length >= 2 && path[path.length - 2] === 'stages' && typeof path[path.length - 1] === 'number';

/** The value at a path of a raw document, or undefined. */
export function valueAt(raw: unknown, path: readonly PathSegment[]): unknown {
  let current = raw;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isObject(current) && typeof segment === 'string') current = current[segment];
    else return undefined;
  }
  return current;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const article = (expected: string): string =>
  expected === 'record' || expected === 'object'
    ? 'an object'
    : expected === 'array'
      ? 'an array'
      : `a ${expected}`;

const describe = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'object'
        ? 'an object'
        : (JSON.stringify(value) ?? String(value));
