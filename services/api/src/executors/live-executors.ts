import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ExecutorsView, ExecutorSummary } from '@tributary/api-contract';
import type { ServedExecutors } from '@tributary/domain';
import { INFRASTRUCTURE, liveHosts, type Infrastructure, type LiveHost } from '@tributary/runtime';

/** The live hosts, asked on NATS at each call (no registry: see `liveHosts`). */
@Injectable()
export class LiveExecutors {
  private readonly logger = new Logger('api');

  constructor(@Inject(INFRASTRUCTURE) private readonly infra: Infrastructure) {}

  hosts(): Promise<LiveHost[]> {
    return liveHosts(this.infra.nc, this.infra.subjects, undefined, (message) => this.logger.warn(message));
  }

  async view(): Promise<ExecutorsView> {
    const hosts = await this.hosts();
    const executors: Record<string, ExecutorSummary> = {};
    for (const host of hosts) {
      for (const name of host.executors) {
        const summary = (executors[name] ??= { hosts: 0, consolidators: 0, inFlight: 0 });
        if (host.kind === 'consolidator') summary.consolidators++;
        else summary.hosts++;
        summary.inFlight += host.inFlightByExecutor[name] ?? 0;
      }
    }
    return {
      hosts: hosts.map(({ inFlightByExecutor: _perName, ...host }) => host),
      executors: Object.fromEntries(Object.entries(executors).sort(([a], [b]) => a.localeCompare(b))),
    };
  }

  /** What the live hosts serve, by the kind of work: tasks (executor hosts) and consolidations. */
  async served(): Promise<ServedExecutors> {
    const hosts = await this.hosts();
    const of = (kind: string) => new Set(hosts.filter((h) => h.kind === kind).flatMap((h) => h.executors));
    return { tasks: of('executor'), consolidation: of('consolidator') };
  }
}
