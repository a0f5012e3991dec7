/**
 * Task ids are paths (DESIGN §4): `prepare`, `market=LU/generate`, `market=LU/retrieve[3]`,
 * `market=LU/lang=fr/translate`, `consolidate`. Attempt ids are `runId/taskId#n`.
 */

/** The path of a group: its parent's path, then `name=key`. */
export function groupPathOf(parentPath: string | null, blockName: string, key: string): string {
  const own = `${blockName}=${key}`;
  return parentPath === null ? own : `${parentPath}/${own}`;
}

/** The task id of a stage instance in a group, with its map index when mapped. */
export function taskIdOf(groupPath: string | null, stageId: string, mapIndex: number | null): string {
  const base = groupPath === null ? stageId : `${groupPath}/${stageId}`;
  return mapIndex === null ? base : `${base}[${mapIndex}]`;
}

export function attemptIdOf(runId: string, taskId: string, attempt: number): string {
  return `${runId}/${taskId}#${attempt}`;
}

/** Splits an attempt id; the run id is everything before the first `/`. */
export function parseAttemptId(attemptId: string): { runId: string; taskId: string; attempt: number } | null {
  const slash = attemptId.indexOf('/');
  const hash = attemptId.lastIndexOf('#');
  if (slash <= 0 || hash <= slash + 1) return null;
  const attempt = Number(attemptId.slice(hash + 1));
  if (!Number.isInteger(attempt) || attempt < 1) return null;
  return { runId: attemptId.slice(0, slash), taskId: attemptId.slice(slash + 1, hash), attempt };
}

/** Key of a stage within one group (or the top level): the unit that owns trigger-rule counts. */
export function slotKeyOf(groupPath: string | null, stagePath: string): string {
  return `${groupPath ?? ''}|${stagePath}`;
}

/**
 * Formats a group key from a list element: strings as they are, numbers formatted, booleans as words.
 * Objects and arrays have no natural key (the block needs `key:`): returns null.
 */
export function groupKeyOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return null;
}

/** Group keys end up inside task ids and NATS-safe ids: refuse separators and whitespace. */
export function invalidGroupKeyReason(key: string): string | null {
  if (key.length === 0) return 'is empty';
  if (key.length > 200) return 'is longer than 200 characters';
  if (/[\s/=[\]#|*>]/.test(key)) return 'contains one of: whitespace / = [ ] # | * >';
  return null;
}
