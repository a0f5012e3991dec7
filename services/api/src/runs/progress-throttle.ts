/**
 * Turns a run's events into `progress` messages for a stream opened with `?progress=<ms>`: the first event
 * after a quiet interval goes out at once, later ones are counted and go out as one message when the
 * interval has passed — at most one message per interval however fast the run moves (100 000 instances
 * make ~300 000 events; a page that only refetches aggregates needs none of them one by one).
 */
export class ProgressThrottle {
  private pending = 0;
  private lastSeq = 0;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly everyMs: number,
    /** Writes one message: the last runSeq it stands for and how many events since the previous one. */
    private readonly send: (lastSeq: number, events: number) => void,
  ) {}

  add(runSeq: number): void {
    this.pending += 1;
    this.lastSeq = Math.max(this.lastSeq, runSeq);
    if (this.timer) return;
    const wait = this.lastSentAt + this.everyMs - Date.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Sends what is pending now (before a final event, so the counts arrive first). */
  flush(): void {
    this.stop();
    if (this.pending === 0) return;
    const events = this.pending;
    this.pending = 0;
    this.lastSentAt = Date.now();
    this.send(this.lastSeq, events);
  }

  /** Drops the timer (the stream closed); what is pending is not sent. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
