import type { PathSegment } from './json-pointer.js';

/** A stage of a raw (possibly invalid) document, read tolerantly for the cross-field checks. */
export interface RawStageEntry {
  /** Path of the stage object (`['stages', 0, 'stages', 1]`). */
  readonly path: readonly PathSegment[];
  readonly kind: 'task' | 'group';
  /** The stage id (task `id` or block `group`), null when missing or not a string. */
  readonly id: string | null;
  /** `'id'` for tasks, `'group'` for blocks: where the id is written. */
  readonly idKey: 'id' | 'group';
  readonly raw: Readonly<Record<string, unknown>>;
  /** `dependsOn` as written (string entries with their index), or null when omitted. */
  readonly explicitDependsOn: readonly { name: string; index: number }[] | null;
  /** Direct upstream ids after defaulting (the previous entry when omitted), unresolved. */
  readonly dependsOn: readonly string[];
  /** The block's own stages (null for tasks). */
  readonly children: RawStageLevel | null;
}

/** The stages of one level: the top level or one block's `stages`. */
export interface RawStageLevel {
  readonly entries: readonly RawStageEntry[];
  /** The enclosing block entry, null at the top level. */
  readonly block: RawStageEntry | null;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Reads the stage tree of a raw document without trusting its shape: non-object entries are
 * skipped, and a stage is a group block when it has a `group` key, else a task. `dependsOn`
 * defaults to the previous entry at the same level, as in the resolved spec.
 */
export function readRawStageTree(document: unknown): RawStageLevel {
  const stages = isObject(document) ? document['stages'] : undefined;
  return readLevel(stages, ['stages'], null);
}

function readLevel(
  stages: unknown,
  path: readonly PathSegment[],
  block: RawStageEntry | null,
): RawStageLevel {
  const entries: RawStageEntry[] = [];
  const level: { entries: RawStageEntry[]; block: RawStageEntry | null } = { entries, block };
  if (!Array.isArray(stages)) return level;
  let previousId: string | null = null;
  stages.forEach((raw: unknown, index) => {
    if (!isObject(raw)) {
      previousId = null;
      return;
    }
    const kind = 'group' in raw ? 'group' : 'task';
    const idKey = kind === 'group' ? 'group' : 'id';
    const idValue = raw[idKey];
    const id = typeof idValue === 'string' ? idValue : null;
    const written = raw['dependsOn'];
    const explicitDependsOn = Array.isArray(written)
      ? written.flatMap((name: unknown, position) =>
          typeof name === 'string' ? [{ name, index: position }] : [],
        )
      : null;
    const dependsOn =
      explicitDependsOn !== null
        ? explicitDependsOn.map((entry) => entry.name)
        : previousId === null
          ? []
          : [previousId];
    const entryPath = [...path, index];
    const entry: { -readonly [K in keyof RawStageEntry]: RawStageEntry[K] } = {
      path: entryPath,
      kind,
      id,
      idKey,
      raw,
      explicitDependsOn,
      dependsOn,
      children: null,
    };
    if (kind === 'group') entry.children = readLevel(raw['stages'], [...entryPath, 'stages'], entry);
    entries.push(entry);
    previousId = id;
  });
  return level;
}
