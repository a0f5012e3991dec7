/** `GET /healthz`: which dependency is down, nothing more (it is public). 503 when one is. */
export interface HealthBody {
  status: 'ok' | 'unavailable';
  postgres: 'ok' | 'unavailable';
  nats: 'ok' | 'unavailable';
}

/** A live executor host or consolidator, as it answered the presence request. */
export interface ExecutorHost {
  id: string;
  kind: string;
  hostname: string;
  pid: number;
  executors: readonly string[];
  inFlight: number;
  concurrency: number;
  startedAt: string;
  version: string;
  /** When its answer arrived. */
  lastSeen: string;
}

/**
 * Per executor name: the live executor hosts that run its tasks, the consolidators that can run it as a
 * pipeline's consolidation, and the attempts of it running now.
 */
export interface ExecutorSummary {
  hosts: number;
  consolidators: number;
  inFlight: number;
}

/** `GET /executors`. */
export interface ExecutorsView {
  hosts: ExecutorHost[];
  executors: Record<string, ExecutorSummary>;
}
