/** Wall time per phase of one decision (lock, decide, append…), for debug logs of slow decisions. */
export class PhaseTimer {
  private readonly started = performance.now();
  private last = this.started;
  private readonly phases: [string, number][] = [];

  mark(phase: string): void {
    const now = performance.now();
    this.phases.push([phase, now - this.last]);
    this.last = now;
  }

  totalMs(): number {
    return this.last - this.started;
  }

  summary(): string {
    return `${this.totalMs().toFixed(0)} ms (${this.phases.map(([name, ms]) => `${name} ${ms.toFixed(0)}`).join(', ')})`;
  }
}
