import { randomUUID } from 'node:crypto';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { encodeHostPresence, timestampFromEpochMs, type Subjects } from '@tributary/events';

/** The Tributary version hosts report in their presence (the workspace's version). */
export const TRIBUTARY_VERSION = '0.1.0';

/** What runs handlers: an executor host, or a consolidator (consolidation executors). */
export type HostKind = 'executor' | 'consolidator';

/** A host's load right now, asked at every presence query. */
export interface HostLoad {
  readonly executors: readonly string[];
  readonly inFlight: number;
  readonly concurrency: number;
  /** Attempts in flight per executor name (names with none may be left out). */
  readonly inFlightByExecutor?: Readonly<Record<string, number>>;
}

/**
 * Answers the api's presence queries (`p.presence.query`, core NATS) with this host's HostPresence.
 * Asked, not broadcast: a host that died has no subscription left, so it is never listed, and the api
 * keeps no registry that would be empty after its own restart. `hostname` is the configured host name
 * (TRIBUTARY_HOST_NAME, else HOSTNAME), as results name it. Unsubscribe on shutdown.
 */
export function answerPresence(
  nc: NatsConnection,
  subjects: Subjects,
  host: { kind: HostKind; hostname: string; startedAtMs?: number },
  load: () => HostLoad,
): Subscription {
  const startedAtMs = host.startedAtMs ?? Date.now();
  const identity = {
    // Unique even for several hosts in one process (`tributary dev`, tests).
    hostId: `${host.kind}:${host.hostname}/${process.pid}/${randomUUID().slice(0, 8)}`,
    kind: host.kind,
    hostname: host.hostname,
    pid: process.pid,
    startedAt: timestampFromEpochMs(startedAtMs),
    version: TRIBUTARY_VERSION,
  };
  return nc.subscribe(subjects.presenceQuery, {
    callback: (error, msg) => {
      if (error || !msg.reply) return;
      const now = load();
      msg.respond(
        encodeHostPresence({
          ...identity,
          executors: [...now.executors],
          inFlight: now.inFlight,
          concurrency: now.concurrency,
          inFlightByExecutor: { ...now.inFlightByExecutor },
        }),
      );
    },
  });
}
