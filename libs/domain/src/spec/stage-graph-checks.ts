import { didYouMeanSuffix } from './did-you-mean.js';
import { toJsonPointer } from './json-pointer.js';
import type { ValidationIssue } from './pipeline-spec.js';
import { CONSOLIDATE_ID } from './pipeline-spec.schema.js';
import type { RawStageEntry, RawStageLevel } from './raw-stage-tree.js';

/**
 * Checks the stage graph level by level: unique ids per level (a nested block may not reuse an
 * enclosing block's name), `dependsOn` entries that name a stage of the same level (with a "did
 * you mean"), no entry listed twice, and no cycle (reported once per cycle as `a → b → c → a`,
 * in upstream → downstream order, at the path of its first stage in spec order).
 */
export function checkStageGraph(root: RawStageLevel): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const levelOf = new Map<string, string[]>();
  collectIds(root, levelOf);
  checkLevel(root, [], levelOf, issues);
  return issues;
}

function collectIds(level: RawStageLevel, into: Map<string, string[]>): void {
  const ids = level.entries.flatMap((entry) => (entry.id === null ? [] : [entry.id]));
  for (const entry of level.entries) {
    if (entry.id !== null && !into.has(entry.id)) into.set(entry.id, ids);
    if (entry.children !== null) collectIds(entry.children, into);
  }
}

function checkLevel(
  level: RawStageLevel,
  enclosing: readonly string[],
  levelOf: Map<string, string[]>,
  issues: ValidationIssue[],
): void {
  const first = new Map<string, RawStageEntry>();
  for (const entry of level.entries) {
    if (entry.id === null || entry.id === CONSOLIDATE_ID) continue; // the reserved name is reported by the schema
    const earlier = first.get(entry.id);
    const what = entry.kind === 'group' ? 'group name' : 'stage id';
    if (earlier !== undefined) {
      issues.push({
        path: toJsonPointer([...entry.path, entry.idKey]),
        message: `duplicate ${what} "${entry.id}" at this level (first declared at ${toJsonPointer(earlier.path)})`,
      });
      continue;
    }
    first.set(entry.id, entry);
    if (entry.kind === 'group' && enclosing.includes(entry.id)) {
      issues.push({
        path: toJsonPointer([...entry.path, 'group']),
        message: `group name "${entry.id}" is already used by an enclosing block`,
      });
    }
  }
  const ids = [...first.keys()];
  for (const entry of level.entries) checkDependsOn(entry, first, ids, levelOf, issues);
  issues.push(...findCycles(level.entries, first));
  for (const entry of level.entries) {
    if (entry.children !== null)
      checkLevel(entry.children, entry.id === null ? enclosing : [...enclosing, entry.id], levelOf, issues);
  }
}

function checkDependsOn(
  entry: RawStageEntry,
  siblings: ReadonlyMap<string, RawStageEntry>,
  ids: readonly string[],
  levelOf: Map<string, string[]>,
  issues: ValidationIssue[],
): void {
  const seen = new Set<string>();
  for (const { name, index } of entry.explicitDependsOn ?? []) {
    const path = toJsonPointer([...entry.path, 'dependsOn', index]);
    if (seen.has(name)) {
      issues.push({ path, message: `"${name}" is listed twice in dependsOn` });
      continue;
    }
    seen.add(name);
    if (siblings.has(name)) continue;
    if (name === CONSOLIDATE_ID) {
      issues.push({
        path,
        message: 'a stage cannot depend on the consolidation task: it runs after every group',
      });
      continue;
    }
    const here = ids.length === 0 ? 'none' : ids.join(', ');
    const elsewhere = levelOf.get(name);
    const message =
      elsewhere !== undefined
        ? `stage "${name}" is not at this level: dependsOn names stages of the same level (${here})`
        : `unknown stage "${name}" in dependsOn${didYouMeanSuffix(name, ids)}; stages at this level: ${here}`;
    issues.push({ path, message });
  }
}

/** Tarjan's strongly connected components over upstream → downstream edges; one issue per cyclic component. */
function findCycles(
  entries: readonly RawStageEntry[],
  byId: ReadonlyMap<string, RawStageEntry>,
): ValidationIssue[] {
  const nodes = [...byId.values()];
  const downstream = new Map<RawStageEntry, RawStageEntry[]>(nodes.map((node) => [node, []]));
  for (const node of nodes) {
    for (const upstreamId of new Set(node.dependsOn)) {
      const upstream = byId.get(upstreamId);
      if (upstream !== undefined) downstream.get(upstream)?.push(node);
    }
  }
  const order = new Map(entries.map((entry, index) => [entry, index]));
  const index = new Map<RawStageEntry, number>();
  const low = new Map<RawStageEntry, number>();
  const stack: RawStageEntry[] = [];
  const onStack = new Set<RawStageEntry>();
  const components: RawStageEntry[][] = [];
  const enter = (node: RawStageEntry): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
  };
  // Iterative (a chain of 60 000 stages overflowed the stack of the recursive form): one frame per node
  // being visited, with the next of its downstream edges to follow.
  const connect = (root: RawStageEntry): void => {
    enter(root);
    const frames: { node: RawStageEntry; edge: number }[] = [{ node: root, edge: 0 }];
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const node = frame.node;
      const edges = downstream.get(node) ?? [];
      if (frame.edge < edges.length) {
        const next = edges[frame.edge]!;
        frame.edge += 1;
        if (!index.has(next)) {
          enter(next);
          frames.push({ node: next, edge: 0 });
        } else if (onStack.has(next)) {
          low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1]?.node;
      if (parent !== undefined) low.set(parent, Math.min(low.get(parent) ?? 0, low.get(node) ?? 0));
      if (low.get(node) !== index.get(node)) continue;
      const component: RawStageEntry[] = [];
      let member: RawStageEntry | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component);
    }
  };
  for (const node of nodes) if (!index.has(node)) connect(node);

  const issues: { order: number; issue: ValidationIssue }[] = [];
  for (const component of components) {
    const start = component.reduce((a, b) => ((order.get(a) ?? 0) <= (order.get(b) ?? 0) ? a : b));
    const members = new Set(component);
    const selfLoop = (downstream.get(start) ?? []).includes(start);
    if (component.length === 1 && !selfLoop) continue;
    const cycle = selfLoop ? [start, start] : shortestCycle(start, members, downstream);
    issues.push({
      order: order.get(start) ?? 0,
      issue: {
        path: toJsonPointer(start.path),
        message: `dependency cycle: ${cycleText(cycle.map((node) => node.id ?? '?'))}`,
      },
    });
  }
  return issues.sort((a, b) => a.order - b.order).map((entry) => entry.issue);
}

/** A cycle's ids joined by arrows; a long one shows its first and last ten ids and how many are left out. */
function cycleText(ids: readonly string[]): string {
  if (ids.length <= 24) return ids.join(' → ');
  return `${ids.slice(0, 10).join(' → ')} → … (${ids.length - 20} more) … → ${ids.slice(-10).join(' → ')}`;
}

/** Breadth-first: the shortest path from `start` back to itself inside its component. */
function shortestCycle(
  start: RawStageEntry,
  members: ReadonlySet<RawStageEntry>,
  downstream: ReadonlyMap<RawStageEntry, RawStageEntry[]>,
): RawStageEntry[] {
  const previous = new Map<RawStageEntry, RawStageEntry>();
  const queue: RawStageEntry[] = [start];
  for (let head = 0; head < queue.length; head += 1) {
    const node = queue[head];
    if (node === undefined) break;
    for (const next of downstream.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const back: RawStageEntry[] = [];
        for (
          let at: RawStageEntry | undefined = node;
          at !== undefined && at !== start;
          at = previous.get(at)
        )
          back.push(at);
        return [start, ...back.reverse(), start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}
