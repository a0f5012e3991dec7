/** What the action routes answer (`POST /runs/:id/clear`, `/groups/retry`, `/mark`, `/cancel`). */
export interface ClearAnswer {
  ok: true;
  dryRun: boolean;
  cleared: string[];
}
export interface MarkAnswer {
  ok: true;
  marked: string[];
}
export interface CancelAnswer {
  ok: true;
  cancelled: string[];
}
