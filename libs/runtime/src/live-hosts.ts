import { NoRespondersError, type NatsConnection } from '@nats-io/transport-node';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { decodeHostPresence, epochMsFromTimestamp, type Subjects } from '@tributary/events';
import type { HostKind } from './host-presence.js';

/** One live host, as it answered a presence query. */
export interface LiveHost {
  readonly id: string;
  readonly kind: HostKind | string;
  readonly hostname: string;
  readonly pid: number;
  readonly executors: readonly string[];
  readonly inFlight: number;
  readonly concurrency: number;
  readonly inFlightByExecutor: Readonly<Record<string, number>>;
  readonly startedAt: string;
  readonly version: string;
  /** When its answer arrived. */
  readonly lastSeen: string;
}

/**
 * How long the api waits for the first answer, at most; after it, gathering ends once no answer came for
 * {@link PRESENCE_STALL_MS}. Hosts on a healthy NATS answer within milliseconds; with none running, NATS
 * says "no responders" at once.
 */
export const PRESENCE_GATHER_MS = 1_000;
export const PRESENCE_STALL_MS = 200;

/**
 * Asks every live host for its presence (scatter-gather on `p.presence.query`) and returns the answers
 * that arrive until none came for {@link PRESENCE_STALL_MS} (at most `gatherMs` in all), sorted by kind,
 * host name, pid. With no host at all it returns at once (NATS "no responders"). Unreadable answers are
 * skipped (`onUnreadable`); other NATS failures throw.
 */
export async function liveHosts(
  nc: NatsConnection,
  subjects: Subjects,
  gatherMs: number = PRESENCE_GATHER_MS,
  onUnreadable: (message: string) => void = () => {},
): Promise<LiveHost[]> {
  const hosts = new Map<string, LiveHost>();
  try {
    const replies = await nc.requestMany(subjects.presenceQuery, new Uint8Array(), {
      strategy: 'stall',
      stall: PRESENCE_STALL_MS,
      maxWait: gatherMs,
    });
    for await (const msg of replies) {
      const decoded = decodeHostPresence(msg.data);
      if (!decoded.ok) {
        onUnreadable(`unreadable presence answer skipped: ${decoded.error.message}`);
        continue;
      }
      const p = decoded.value;
      hosts.set(p.hostId, {
        id: p.hostId,
        kind: p.kind,
        hostname: p.hostname,
        pid: p.pid,
        executors: [...p.executors].sort(),
        inFlight: p.inFlight,
        concurrency: p.concurrency,
        inFlightByExecutor: { ...p.inFlightByExecutor },
        startedAt: isoOf(p.startedAt),
        version: p.version,
        lastSeen: new Date().toISOString(),
      });
    }
  } catch (error) {
    if (!(error instanceof NoRespondersError)) throw error;
  }
  return [...hosts.values()].sort(
    (a, b) => a.kind.localeCompare(b.kind) || a.hostname.localeCompare(b.hostname) || a.pid - b.pid,
  );
}

function isoOf(timestamp: Timestamp | undefined): string {
  const ms = timestamp ? epochMsFromTimestamp(timestamp) : null;
  return ms?.ok ? new Date(ms.ms).toISOString() : '';
}
