// `npm run bench`: Tributary against BullMQ on every scenario of bench/scenarios, contenders alternated,
// 3 rounds; writes bench/RESULTS.md and bench/results.json. See bench/README.md for the settings.
import { benchmark, problemsOf } from './benchmark.js';
import { benchConfigFromEnv } from './lib/bench-config.js';

const config = benchConfigFromEnv();
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const { results, files } = await benchmark({
  scenarios: config.scenarios,
  contenders: config.contenders,
  rounds: config.rounds,
  size: { scale: config.scale },
  sessions: 'fresh',
  warmup: true,
  budgetS: config.budgetS,
  outDir: config.outDir,
  log,
});
log(`wrote ${files.markdown} and ${files.json} (${(results.wallSeconds / 60).toFixed(1)} min)`);
const problems = problemsOf(results);
for (const p of problems) log(`problem: ${p.slice(0, 500)}`);
process.exitCode = results.scenarios.some((s) => Object.values(s.contenders).some((c) => c.errors.length > 0))
  ? 1
  : 0;
