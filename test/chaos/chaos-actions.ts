/** The harness's actions on a running system: kill -9 a service, restart Postgres or NATS, purge TASKS. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { waitFor } from '../support/free-port.js';
import type { ThrowawayNats } from '../support/throwaway-nats.js';
import type { ThrowawayPostgres } from '../support/throwaway-postgres.js';
import type { TributarySystem } from '../support/tributary-system.js';
import type { ChaosConfig } from './chaos-config.js';
import type { Supervisor } from './chaos-supervisor.js';
import type { SeededRandom } from './random.js';
import { sleep } from './sleep.js';

export type ChaosAction =
  | { kind: 'kill'; process: string }
  | { kind: 'restart-postgres' }
  | { kind: 'restart-nats' }
  | { kind: 'purge-tasks' };

export interface ActionContext {
  system: TributarySystem;
  pg: ThrowawayPostgres;
  nats: ThrowawayNats;
  rng: SeededRandom;
  supervisor: Supervisor;
  config: ChaosConfig;
  counts: {
    kills: number;
    restarts: number;
    postgresRestarts: number;
    natsRestarts: number;
    purges: number;
    purgedMessages: number;
  };
  runDir: string;
}

export async function perform(action: ChaosAction, ctx: ActionContext): Promise<string> {
  const { system, rng, supervisor, counts } = ctx;
  switch (action.kind) {
    case 'kill': {
      const name = action.process;
      supervisor.down.add(name);
      try {
        const old = system.process(name);
        await system.kill(name);
        counts.kills += 1;
        writeFileSync(join(ctx.runDir, `killed-${name}-${counts.kills}.log`), old.log);
        const downMs = rng.int(200, 2500);
        await sleep(downMs);
        const fresh = system.restart(name);
        counts.restarts += 1;
        const t0 = Date.now();
        const ready = await waitReady(system, name, 20_000);
        return `kill -9 ${name} (pid ${old.pid}), down ${downMs} ms, restarted (pid ${fresh.pid}) ${
          ready ? `ready in ${Date.now() - t0} ms` : 'NOT ready within 20 s'
        }`;
      } finally {
        supervisor.down.delete(name);
      }
    }
    case 'restart-postgres': {
      await ctx.pg.stop('immediate');
      await sleep(ctx.config.postgresDownMs);
      await ctx.pg.start();
      counts.postgresRestarts += 1;
      return `postgres stopped (-m immediate), started again ${ctx.config.postgresDownMs} ms later`;
    }
    case 'restart-nats': {
      await ctx.nats.stop('SIGKILL');
      const downMs = rng.int(1000, 3000);
      await sleep(downMs);
      await ctx.nats.start();
      counts.natsRestarts += 1;
      return `nats-server killed (-9), started again with its store ${downMs} ms later`;
    }
    case 'purge-tasks': {
      const nc = await connect({ servers: ctx.nats.url, reconnect: false, timeout: 3000 });
      try {
        const jsm = await jetstreamManager(nc);
        const stream = `${system.prefix.toUpperCase()}_TASKS`;
        const { purged } = await jsm.streams.purge(stream);
        counts.purges += 1;
        counts.purgedMessages += purged;
        return `purged ${stream}: ${purged} dispatch messages gone`;
      } finally {
        await nc.close();
      }
    }
  }
}

/** A restarted service is ready once it logs so (the api: once /healthz answers). */
async function waitReady(system: TributarySystem, name: string, timeoutMs: number): Promise<boolean> {
  const api = system.apis.get(name);
  const pattern = name.startsWith('planner')
    ? /planner ready/
    : name.startsWith('fan-in')
      ? /fan-in ready/
      : name.startsWith('consolidator')
        ? /consolidator ready/
        : /executor host .* ready/;
  try {
    await waitFor(
      `${name} to be ready`,
      async () => {
        if (api) return (await api.request('GET', '/healthz', undefined, { token: null })).status === 200;
        return pattern.test(system.process(name).log);
      },
      timeoutMs,
      100,
    );
    return true;
  } catch {
    return false;
  }
}

export function describeAction(action: ChaosAction): string {
  return action.kind === 'kill' ? `kill ${action.process}` : action.kind;
}
