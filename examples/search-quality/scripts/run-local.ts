/**
 * Runs the search-quality pipeline in-process (no services) and prints the consolidated report.
 *   npx tsx scripts/run-local.ts                 # LU PT GR
 *   npx tsx scripts/run-local.ts PT GR DE --fail GR --json
 */
import { runLocally } from '../src/local-run.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const failAt = args.indexOf('--fail');
const failSearchIn = failAt >= 0 ? (args[failAt + 1] ?? '').split(',').filter(Boolean) : [];
const markets = args.filter((arg, i) => !arg.startsWith('--') && (failAt < 0 || i !== failAt + 1));
const result = await runLocally({ markets: markets.length > 0 ? markets : ['LU', 'PT', 'GR'], failSearchIn });
if (json) {
  console.log(JSON.stringify({ consolidated: result.consolidated, reports: result.groups.map((g) => g.outputs?.report ?? null) }, null, 2));
} else {
  for (const { taskId, line } of result.logs) if (line.level !== 'debug') console.log(`[${taskId}] ${line.message}`);
  console.log(`\n${result.text}`);
}
