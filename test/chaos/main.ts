// The long chaos suite of issue #8: `npm run test:chaos` (builds first). Environment:
//   CHAOS_SEED        the schedule's seed (printed; set it to repeat a session)      default: random
//   CHAOS_RUNS        consecutive runs                                                default: 5
//   CHAOS_GROUPS, CHAOS_ITEMS, CHAOS_SLEEP_MS   run size (instances = groups × (2 × items + 2) + 1)
//                                                                                     default: 20, 50, 2000 (2 041 instances)
//   CHAOS_KILL_ROUNDS times each service process is killed per run                  default: 2
//   CHAOS_KILL        `all`, `none` or process names (planner-2,host-a,…) to kill -9  default: all
//   CHAOS_RESTART_POSTGRES=0 / CHAOS_RESTART_NATS=0   leave Postgres / NATS alone     default: restart each once per run
//   CHAOS_POSTGRES_DOWN_MS   how long Postgres stays down                           default: 3000
//   CHAOS_WINDOW      "from,to": share of the sleeps ended within which actions fire default: 0.03,0.9
//   CHAOS_CONCURRENCY attempts at once per executor host process                      default: 16
//   CHAOS_STALL_MS    no new event in the run's log for this long = stalled           default: 150000
//   CHAOS_SUPERVISE=0 leave services that exit on their own down (default: restarted, counted, the run fails)
//   CHAOS_TOLERATE_KNOWN=1  crashes already reported (chaos-config.ts KnownExit) do not fail the run
//   CHAOS_PURGE=0     do not purge the TASKS stream (default: once per run; the planner re-dispatches after queuedTimeout)
//   CHAOS_PROFILE=short  the short version of npm test instead (one run of 313 instances, a few kills)
//   CHAOS_LOG_DIR     where service logs, diagnoses and summary.json go              default: /tmp/tributary-chaos-<seed>
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { longChaosConfig, shortChaosConfig } from './chaos-config.js';
import { runChaos } from './chaos-run.js';
import { seedFromEnv } from './random.js';

const seed = seedFromEnv();
const rest = {
  logDir: process.env.CHAOS_LOG_DIR ?? join(tmpdir(), `tributary-chaos-${seed}`),
  log: (line: string) => console.log(`${new Date().toISOString().slice(11, 23)} ${line}`),
};
const config =
  process.env.CHAOS_PROFILE === 'short'
    ? shortChaosConfig(seed, rest)
    : longChaosConfig(seed, process.env, rest);
const summary = await runChaos(config);
process.exitCode = summary.totals.failedRuns > 0 || summary.runs.length < config.runs ? 1 : 0;
