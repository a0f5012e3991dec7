import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shortChaosConfig } from './chaos-config.js';
import { formatRunReport } from './chaos-report.js';
import { runChaos } from './chaos-run.js';
import { seedFromEnv } from './random.js';

/**
 * The short version of the chaos suite (issue #8; the long one is `npm run test:chaos`): one run of 313
 * instances on a Postgres cluster and a nats-server of its own, while a planner, a fan-in, the
 * consolidator and the api are killed -9 and restarted, and Postgres and NATS are
 * restarted once each. CHAOS_SEED repeats a schedule (the seed is printed).
 */
describe('chaos (short): kill -9 every kind of service, restart Postgres and NATS, during one run', () => {
  it('the run succeeds with one outcome per attempt, a gapless verified log that replays, nothing left unacked', async () => {
    const seed = seedFromEnv();
    const lines: string[] = [];
    const summary = await runChaos(
      shortChaosConfig(seed, {
        logDir: join(tmpdir(), `tributary-chaos-short-${seed}`),
        log: (line) => {
          lines.push(line);
          console.log(line);
        },
      }),
    );
    const [run] = summary.runs;
    expect(run, lines.join('\n')).toBeDefined();
    expect(run!.failures, `seed ${seed}\n${formatRunReport(run!)}`).toEqual([]);
    expect(run!.state).toBe('success');
    expect(run!.instances).toBe(313);
    expect(run!.duplicates).toBe(0);
    expect(run!.postgresRestarts + run!.natsRestarts, 'both restarts happened mid-run').toBe(2);
    expect(run!.kills, 'kills mid-run').toBeGreaterThanOrEqual(3);
  }, 240_000);
});
