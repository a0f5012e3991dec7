import { chain } from './chain.scenario.js';
import { grid } from './grid.scenario.js';
import { huge } from './huge.scenario.js';
import { manyRuns } from './many-runs.scenario.js';
import { mapped } from './mapped.scenario.js';
import type { Scenario } from './scenario.js';
import { sleep1000, sleep10000 } from './sleep.scenario.js';
import { wide } from './wide.scenario.js';

/** Every scenario, in the order the bench runs and reports them. */
export const SCENARIOS: Scenario[] = [wide, mapped, chain, sleep1000, manyRuns, sleep10000, huge, grid];

/** The scenarios named in a comma-separated list (`all` or empty: every one). */
export function selectScenarios(names: string | undefined): Scenario[] {
  if (!names || names.trim() === '' || names.trim() === 'all') return SCENARIOS;
  const wanted = names
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const unknown = wanted.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0)
    throw new Error(
      `unknown scenario ${unknown.join(', ')} (known: ${SCENARIOS.map((s) => s.name).join(', ')})`,
    );
  return SCENARIOS.filter((s) => wanted.includes(s.name));
}
