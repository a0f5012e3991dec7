/** What `tributary dev` found before starting (probed by {@link probeInfrastructure}). */
export interface InfrastructureProbe {
  natsUrl: string;
  natsAnswers: boolean;
  /** A nats-server executable found on PATH (or /usr/sbin), null when none. */
  natsServerBinary: string | null;
  databaseUrl: string;
  databaseAnswers: boolean;
  apiPort: number;
  /** Something already listens on 127.0.0.1:<apiPort>. */
  apiPortTaken: boolean;
}

export type NatsPlan = { action: 'use'; url: string } | { action: 'start'; binary: string };
export type PostgresPlan = { action: 'use'; url: string } | { action: 'embedded' };

/** The decision: what to use, what to start (and say so), and what stops dev from starting at all. */
export interface InfrastructurePlan {
  nats: NatsPlan | null;
  postgres: PostgresPlan;
  /** Reasons dev cannot start; empty when it can. */
  problems: string[];
  /** What dev will do about missing infrastructure, told to the user before it does it. */
  notes: string[];
}

/**
 * Pure: given which configured endpoints answer, decide what `tributary dev` uses and what it starts itself.
 * NATS: use the configured server, else start a local nats-server when one is installed, else fail.
 * Postgres: use the configured server, else an embedded PGlite (in memory). The api port must be free.
 */
export function planDevInfrastructure(probe: InfrastructureProbe): InfrastructurePlan {
  const problems: string[] = [];
  const notes: string[] = [];

  let nats: NatsPlan | null;
  if (probe.natsAnswers) nats = { action: 'use', url: probe.natsUrl };
  else if (probe.natsServerBinary) {
    nats = { action: 'start', binary: probe.natsServerBinary };
    notes.push(
      `NATS: nothing answers at ${probe.natsUrl}; starting ${probe.natsServerBinary} with JetStream on a free port (data in a temporary directory, removed on exit)`,
    );
  } else {
    nats = null;
    problems.push(
      `NATS: nothing answers at ${probe.natsUrl} and no nats-server was found on PATH or in /usr/sbin; ` +
        'install one (Debian: apt-get install nats-server) or point TRIBUTARY_NATS_URL at a server with JetStream',
    );
  }

  let postgres: PostgresPlan;
  if (probe.databaseAnswers) postgres = { action: 'use', url: probe.databaseUrl };
  else {
    postgres = { action: 'embedded' };
    notes.push(
      `Postgres: nothing answers at ${redact(probe.databaseUrl)}; starting an embedded PGlite (in memory: its data is gone when dev stops)`,
    );
  }

  if (probe.apiPortTaken) {
    problems.push(
      `api: port ${probe.apiPort} on 127.0.0.1 is taken; pass --port <n> (or stop what listens there)`,
    );
  }
  return { nats, postgres, problems, notes };
}

/** A URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
