import type { Command } from 'commander';
import { println, type CliContext } from '../context.js';
import { formatTable, jsonText, shortTime } from '../output/table.js';
import { apiClientFor, withApiOptions, withJson, type ApiOptions } from './shared.js';

interface HostRow {
  id: string;
  kind: string;
  hostname: string;
  pid: number;
  executors: string[];
  inFlight: number;
  concurrency: number;
  startedAt: string;
  lastSeen: string;
}

interface ExecutorsBody {
  hosts: HostRow[];
  executors: Record<string, { hosts: number; consolidators: number; inFlight: number }>;
}

const EXECUTORS_HELP = `
Asks every live host at once (the api gathers their answers on NATS for up to a second): a host that
stopped or died is not listed. KIND "executor" hosts run tasks; "consolidator" hosts run the executors
of a pipeline's consolidate:. LOAD is attempts running / the host's concurrency. Per executor: HOSTS
run its tasks, CONSOLIDATORS can run it as a consolidation, IN FLIGHT counts its running attempts.

Example:
  $ tributary executors
  HOST   KIND           PID  LOAD  STARTED              EXECUTORS
  -----  ------------  ----  ----  -------------------  -----------
  web-1  consolidator  4121   0/8  2026-01-05 07:02:11  echo, merge
  web-1  executor      4133  2/16  2026-01-05 07:02:12  echo, score

  EXECUTOR  HOSTS  CONSOLIDATORS  IN FLIGHT
  --------  -----  -------------  ---------
  echo          1              1          0
  merge         0              1          0
  score         1              0          2
`;

export function registerExecutors(program: Command, ctx: CliContext): void {
  withJson(
    withApiOptions(
      program
        .command('executors')
        .description(
          'list the live executor hosts and consolidators, the executors each serves and their load',
        )
        .addHelpText('after', EXECUTORS_HELP),
    ),
  ).action(async (options: ApiOptions & { json?: boolean }) => {
    const body = await apiClientFor(ctx, options).get<ExecutorsBody>('/executors');
    if (options.json) return void ctx.io.out(jsonText(body));
    if (body.hosts.length === 0) {
      return println(
        ctx,
        'no executor host or consolidator is running: start one with `tributary start executor --handlers <module>`',
      );
    }
    println(
      ctx,
      formatTable(body.hosts, [
        { header: 'HOST', value: (h) => h.hostname },
        { header: 'KIND', value: (h) => h.kind },
        { header: 'PID', value: (h) => h.pid, align: 'right' },
        { header: 'LOAD', value: (h) => `${h.inFlight}/${h.concurrency}`, align: 'right' },
        { header: 'STARTED', value: (h) => shortTime(h.startedAt || null) },
        { header: 'EXECUTORS', value: (h) => h.executors.join(', ') },
      ]),
    );
    println(ctx, '');
    println(
      ctx,
      formatTable(Object.entries(body.executors), [
        { header: 'EXECUTOR', value: ([name]) => name },
        { header: 'HOSTS', value: ([, e]) => e.hosts, align: 'right' },
        { header: 'CONSOLIDATORS', value: ([, e]) => e.consolidators, align: 'right' },
        { header: 'IN FLIGHT', value: ([, e]) => e.inFlight, align: 'right' },
      ]),
    );
  });
}
