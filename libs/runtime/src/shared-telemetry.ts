import { initTelemetry } from '@tributary/telemetry';

let users = 0;

/**
 * Starts OpenTelemetry for a service. Services sharing a process (`tributary dev`) share one tracer
 * provider, so it is shut down (spans flushed) only when the last of them releases it.
 */
export function acquireTelemetry(serviceName: string): { release(): Promise<void> } {
  const telemetry = initTelemetry({ serviceName });
  users += 1;
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      users -= 1;
      if (users === 0) await telemetry.shutdown().catch(() => undefined);
    },
  };
}
