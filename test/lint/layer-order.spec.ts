import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The lib order of docs/architecture.md, checked on Nx's own project graph (the imports of every
 * file, tests included): a project may depend only on projects of a LOWER layer, so the order
 * domain ← events ← event-store / messaging ← runtime ← services ← cli holds and no two services
 * (same layer) ever link each other. A new project must be given its layer here.
 */
const LAYER: Record<string, number> = {
  domain: 0,
  'api-contract': 0,
  telemetry: 0,
  testing: 0,
  events: 1,
  'worker-sdk': 1,
  // The browser app: it reads api-contract's types; the api serves its built files (a package edge).
  'web-ui': 1,
  'event-store': 2,
  messaging: 2,
  runtime: 3,
  'run-fixtures': 3,
  api: 4,
  planner: 4,
  executor: 4,
  'fan-in': 4,
  consolidator: 4,
  // The CLI is the app: it starts services by package name at run time, never links them (lint checks).
  cli: 5,
  'example-search-quality': 5,
  bench: 6,
  e2e: 6,
};

interface Graph {
  nodes: Record<string, unknown>;
  dependencies: Record<string, { target: string }[]>;
}

const root = fileURLToPath(new URL('../..', import.meta.url));

async function projectGraph(): Promise<Graph> {
  const nx = createRequire(`${root}/package.json`)('nx/src/devkit-exports') as {
    createProjectGraphAsync(options: { exitOnError: boolean }): Promise<Graph>;
  };
  const cwd = process.cwd();
  process.chdir(root);
  try {
    return await nx.createProjectGraphAsync({ exitOnError: false });
  } finally {
    process.chdir(cwd);
  }
}

describe('project layers (Nx graph)', () => {
  it('every dependency points to a lower layer', async () => {
    const graph = await projectGraph();
    const projects = Object.keys(graph.nodes).filter((name) => !name.startsWith('npm:'));
    expect(projects.filter((name) => LAYER[name] === undefined)).toEqual([]);
    const upward: string[] = [];
    for (const from of projects) {
      for (const { target } of graph.dependencies[from] ?? []) {
        if (target.startsWith('npm:')) continue;
        if (LAYER[target]! >= LAYER[from]!)
          upward.push(`${from} (layer ${LAYER[from]}) → ${target} (layer ${LAYER[target]})`);
      }
    }
    expect(upward).toEqual([]);
    // The graph really is read: the layers above rest on these edges.
    expect(graph.dependencies['runtime']?.map((d) => d.target)).toEqual(
      expect.arrayContaining(['event-store', 'messaging']),
    );
  }, 60_000);
});
