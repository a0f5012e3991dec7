import { println, type CliContext } from '../context.js';

/**
 * Prints the task instances an operator action named, one per line under a count, e.g.
 * `cleared 3 task instances:` then `  market=GR/generate` …: what changed, not how many events.
 */
export function printInstances(ctx: CliContext, headline: string, taskIds: readonly string[]): void {
  const n = taskIds.length;
  println(ctx, `${headline} ${n} task instance${n === 1 ? '' : 's'}${n > 0 ? ':' : ''}`);
  for (const id of taskIds) println(ctx, `  ${id}`);
}

/** The `key` list of an operator reply (`cleared`, `marked`, `cancelled`), or [] when it has none. */
export function instancesOf(reply: unknown, key: string): string[] {
  if (!reply || typeof reply !== 'object') return [];
  const list = (reply as Record<string, unknown>)[key];
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
}
