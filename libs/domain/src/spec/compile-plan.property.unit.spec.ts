import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { compilePlan } from './compile-plan.js';
import type { CompiledPlan } from './compiled-plan.js';
import { parsePipelineSpec } from './parse-pipeline-spec.js';

type RawStage = Record<string, unknown>;

/** Choices for one stage: how many earlier stages to depend on (-1 = omit dependsOn), a map?, a block? */
const stageChoice = fc.record({
  deps: fc.integer({ min: -1, max: 3 }),
  seed: fc.nat(),
  mapped: fc.boolean(),
  block: fc.nat({ max: 4 }),
});

type Choice = { deps: number; seed: number; mapped: boolean; block: number };

const levelChoice = fc.array(stageChoice, { minLength: 1, maxLength: 7 });

/** A valid level: dependsOn only names earlier stages, so the graph is a DAG by construction. */
function buildLevel(
  choices: readonly Choice[],
  depth: number,
  prefix: string,
  nested: readonly Choice[],
): RawStage[] {
  const ids: string[] = [];
  return choices.map((choice, index) => {
    const id = `${prefix}${index}`;
    const stage: RawStage = {};
    let deps: string[] = index === 0 ? [] : [ids[index - 1] as string];
    if (choice.deps >= 0) {
      deps = [];
      for (let k = 0; k < Math.min(choice.deps, index); k += 1) {
        const pick = ids[(choice.seed + k * 7) % index] as string;
        if (!deps.includes(pick)) deps.push(pick);
      }
      stage['dependsOn'] = deps;
    }
    if (choice.block === 0 && depth < 2) {
      stage['group'] = id;
      stage['over'] = deps.length > 0 && choice.mapped ? `upstream["${deps[0]}"]` : '["a", "b"]';
      stage['stages'] = buildLevel(
        nested.length > 0 ? nested : [{ deps: -1, seed: 0, mapped: false, block: 1 }],
        depth + 1,
        `${id}-s`,
        [],
      );
    } else {
      stage['id'] = id;
      stage['executor'] = 'noop';
      if (choice.mapped && deps.length > 0) stage['map'] = `upstream["${deps[0]}"]`;
    }
    ids.push(id);
    return stage;
  });
}

const specArbitrary = fc
  .record({
    top: levelChoice,
    nested: fc.array(stageChoice, { minLength: 1, maxLength: 4 }),
    consolidate: fc.boolean(),
  })
  .map(({ top, nested, consolidate }) => ({
    id: 'generated',
    stages: buildLevel(top, 0, 's', nested),
    ...(consolidate ? { consolidate: { executor: 'consolidate', triggerRule: 'all_done' } } : {}),
  }));

function assertWellFormed(plan: CompiledPlan): void {
  for (const node of plan.nodes.values()) {
    for (const upstream of node.upstream) {
      const target = plan.nodes.get(upstream);
      expect(target, `${node.path} → ${upstream}`).toBeDefined();
      if (!node.path.startsWith('consolidate')) {
        expect(target?.blockPath).toBe(node.blockPath);
        expect(target?.downstream).toContain(node.path);
      }
    }
    for (const downstream of node.downstream)
      expect(plan.nodes.get(downstream)?.upstream).toContain(node.path);
    const suppliers = node.kind === 'task' ? node.mapSuppliers : node.overSuppliers;
    const upstreamIds = node.upstream.map((path) => plan.nodes.get(path)?.id);
    for (const supplier of suppliers) expect(upstreamIds).toContain(supplier);
  }
  // Kahn's algorithm over every node: all of them get ordered ⇔ the graph is acyclic.
  const remaining = new Map([...plan.nodes.values()].map((node) => [node.path, node.upstream.length]));
  const ready = [...remaining].filter(([, count]) => count === 0).map(([path]) => path);
  let ordered = 0;
  while (ready.length > 0) {
    const path = ready.pop() as string;
    ordered += 1;
    const downstream = path === 'consolidate' ? [] : [...(plan.nodes.get(path)?.downstream ?? [])];
    if (plan.consolidation?.upstream.includes(path)) downstream.push('consolidate');
    for (const next of downstream) {
      const count = (remaining.get(next) ?? 0) - 1;
      remaining.set(next, count);
      if (count === 0) ready.push(next);
    }
  }
  expect(ordered).toBe(plan.nodes.size);
}

describe('compilePlan: generated DAG specs', () => {
  it('every valid linear or branching spec compiles; upstreams exist and the graph is acyclic', () => {
    fc.assert(
      fc.property(specArbitrary, (raw) => {
        const parsed = parsePipelineSpec(raw);
        if (!parsed.ok) throw new Error(JSON.stringify({ raw, issues: parsed.issues }, null, 2));
        assertWellFormed(compilePlan(parsed.spec));
      }),
      { numRuns: 150 },
    );
  });

  it('adding an edge from a later stage to an earlier one is reported as a cycle', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.nat(), fc.nat(), (length, a, b) => {
        const stages = Array.from(
          { length },
          (_, index) => ({ id: `s${index}`, executor: 'noop' }) as RawStage,
        );
        const later = 1 + (a % (length - 1));
        const earlier = b % later;
        stages[earlier] = { ...stages[earlier], dependsOn: [`s${later}`] };
        const parsed = parsePipelineSpec({ id: 'cyclic', stages });
        expect(parsed.ok).toBe(false);
        if (!parsed.ok)
          expect(parsed.issues.some((issue) => issue.message.startsWith('dependency cycle: '))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
