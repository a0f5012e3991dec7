import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TributarySystem } from '../support/tributary-system.js';
import type { ChaosConfig, KnownExit } from './chaos-config.js';

/** Restarts services that exited without being killed, as a process supervisor would, and counts them. */
export class Supervisor {
  /** Processes the harness is killing or restarting right now: not the supervisor's business. */
  readonly down = new Set<string>();
  readonly exits: { name: string; file: string; known: KnownExit | null }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly seen = new WeakSet<object>();

  constructor(
    private readonly config: ChaosConfig,
    private readonly log: (line: string) => void,
  ) {}

  start(system: TributarySystem): void {
    this.timer = setInterval(() => {
      for (const p of system.processes) {
        if (p.running || this.down.has(p.name) || this.seen.has(p)) continue;
        this.seen.add(p);
        const file = join(this.config.logDir, `exit-${p.name}-${Date.now()}.log`);
        writeFileSync(file, p.log);
        const known = this.config.knownExits.find((k) => k.pattern.test(p.log)) ?? null;
        this.exits.push({ name: p.name, file, known });
        const why = known ? ` (known: ${known.note})` : '';
        if (!this.config.supervise) {
          this.log(`  ! ${p.name} exited on its own${why} (log: ${file}); left down (CHAOS_SUPERVISE=0)`);
          continue;
        }
        this.log(`  ! ${p.name} exited on its own${why} (log: ${file}); restarting it`);
        system.restart(p.name);
      }
    }, 300);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
