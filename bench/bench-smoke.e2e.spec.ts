import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchmark, problemsOf } from './benchmark.js';
import { SCENARIOS } from './scenarios/index.js';

// `npm run bench` at seconds-long size: every scenario once per contender through the same runner,
// contenders, verification and report code, with one shared session per contender to stay quick.
describe('npm run bench at smoke size', () => {
  it('verifies every scenario for Tributary and BullMQ and writes RESULTS.md and results.json', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'tributary-bench-smoke-'));
    const lines: string[] = [];
    try {
      const { results, files } = await benchmark({
        scenarios: SCENARIOS,
        contenders: ['tributary', 'bullmq'],
        rounds: 1,
        size: 'smoke',
        sessions: 'shared',
        warmup: true,
        budgetS: 240,
        outDir,
        log: (line) => lines.push(line),
      });
      expect(problemsOf(results), lines.join('\n')).toEqual([]);
      for (const scenario of results.scenarios) {
        if (scenario.tributaryOnly) expect(scenario.contenders.bullmq, scenario.name).toBeUndefined();
        for (const name of scenario.tributaryOnly
          ? (['tributary'] as const)
          : (['tributary', 'bullmq'] as const)) {
          const summary = scenario.contenders[name]!;
          expect(summary.n, `${scenario.name} ${name}`).toBe(1);
          expect(Number.isFinite(summary.median), `${scenario.name} ${name}`).toBe(true);
          expect(summary.verification.join(' '), `${scenario.name} ${name}`).toContain(
            String(scenario.taskInstances),
          );
        }
      }
      const chain = results.scenarios.find((s) => s.name === 'chain')!;
      expect(chain.contenders.tributary!.pooled['hop_ms']!.n).toBe(2); // 3 stages: 2 hops
      const huge = results.scenarios.find((s) => s.name === 'huge')!;
      expect(
        Object.keys(huge.contenders.tributary!.details).filter((k) => k.startsWith('rss_mib:')),
      ).toHaveLength(6);

      const grid = results.scenarios.find((s) => s.name === 'grid')!.contenders.tributary!;
      expect(grid.details['probes_after']!.median).toBe(3);
      expect(grid.details['tasks_bytes_max_after']!.median).toBeGreaterThan(0);

      const markdown = readFileSync(files.markdown, 'utf8');
      for (const scenario of SCENARIOS) expect(markdown).toContain(`| ${scenario.name} |`);
      expect(markdown).toMatch(/Versions: Node v\d+.*PostgreSQL \d+.*nats-server \d+.*Redis \d+.*bullmq \d+/);
      const json = JSON.parse(readFileSync(files.json, 'utf8'));
      expect(json.scenarios.map((s: { name: string }) => s.name)).toEqual(SCENARIOS.map((s) => s.name));
      expect(json.scenarios[0].ratio).toBeGreaterThan(0);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 180_000);
});
