// DESIGN §0's "1 000 parallel tasks": examples/wide with SHARDS groups each sleeping SLEEP_MS, one
// executor host with enough concurrency for all of them. Reports the makespan against the ideal (one sleep).
// Run: npm run build && npx tsx --conditions=@tributary/source bench/wide-sleep.bench.ts
import { readFileSync } from 'node:fs';
import { ROOT, TributarySystem } from '../test/support/tributary-system.js';

const SHARDS = Number(process.env.SHARDS ?? 1000);
const SLEEP_MS = Number(process.env.SLEEP_MS ?? 5000);

const system = await TributarySystem.start({ executorHosts: [{ name: 'executor', executors: ['list', 'sleep', 'noop'], concurrency: SHARDS + 10 }], handlers: [] });
try {
  await system.applyPipeline(readFileSync(`${ROOT}examples/wide/pipeline.yaml`, 'utf8'));
  const t0 = performance.now();
  const trigger = await system.api.post('/pipelines/wide/runs', { params: { shards: SHARDS, sleepMs: SLEEP_MS } });
  if (trigger.status !== 202) throw new Error(JSON.stringify(trigger.body));
  const view = await system.waitForRun(trigger.body.runId, 600_000);
  const makespan = (performance.now() - t0) / 1000;
  console.log(`wide: ${SHARDS} parallel sleeps of ${SLEEP_MS} ms (+ list + consolidation), ${view.tasks.length} task instances, state ${view.run.state}`);
  console.log(`makespan ${makespan.toFixed(2)} s; ideal ${(SLEEP_MS / 1000).toFixed(2)} s; overhead ${(makespan - SLEEP_MS / 1000).toFixed(2)} s`);
} finally {
  await system.stop();
}
