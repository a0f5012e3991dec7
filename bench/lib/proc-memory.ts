import { readFileSync, writeFileSync } from 'node:fs';

/** Peak resident set size (VmHWM) of a process in bytes, from /proc; NaN when it cannot be read. */
export function peakRssBytes(pid: number | 'self'): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Resets this process's VmHWM to its current RSS (`5` → /proc/self/clear_refs), so a later read
 * gives the peak of what ran in between. Returns false where the kernel refuses.
 */
export function resetOwnPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}
