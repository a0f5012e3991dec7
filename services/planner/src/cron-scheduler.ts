import type { Kysely } from 'kysely';
import {
  cronIdempotencyKey,
  cronTicks,
  MAX_CATCHUP_TICKS,
  scheduledRunParams,
  type ScheduleSpec,
  CRON_ACTOR,
} from '@tributary/domain';
import { greatestIdempotencyKey, latestPipelineSchedules, type Database } from '@tributary/event-store';
import { encodeTriggerRun, jsonToBytes, RUN_ID_HEADER, timestampFromEpochMs } from '@tributary/events';
import { publish } from '@tributary/messaging';
import { runIdForTrigger, type Infrastructure } from '@tributary/runtime';

/** The actor of scheduled runs in the event log (a system actor: no token may carry it). */
export { CRON_ACTOR };

/**
 * Starts a run per cron tick of every pipeline whose latest version has `schedule:`. Every planner
 * replica runs this; exactly one run per tick comes from the idempotency key `cron:<pipeline>:<tick>`
 * (the same key names the same run id: JetStream drops the second publish within its dedupe window,
 * `runs_pipeline_idempotency_key_unique` any later one). The last tick run is read from the event
 * log's runs (no second bookkeeping table), so a planner killed between ticks loses nothing: the
 * next check of any replica sees the missed ticks — all of them (`catchup: true`, at most
 * MAX_CATCHUP_TICKS) or only the latest (`catchup: false`, like Airflow).
 */
export class CronScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  /** Ticks this replica published but whose run may not be stored yet: not published again each check. */
  private readonly published = new Map<string, number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly infra: Pick<Infrastructure, 'js' | 'subjects'>,
    private readonly everyMs: number,
    private readonly onError: (error: unknown) => void,
    private readonly onTick: (line: string) => void = () => {},
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.everyMs);
    void this.check();
  }

  async check(now = Date.now()): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const pipeline of await this.scheduledPipelines()) {
        const schedule = pipeline.schedule;
        const last = await this.lastTick(pipeline.pipelineId);
        // Never run ticks from before the schedule existed (its version's creation), nor twice.
        const after = Math.max(
          last ?? pipeline.createdAt,
          this.published.get(pipeline.pipelineId) ?? Number.NEGATIVE_INFINITY,
        );
        let ticks = cronTicks(schedule, after, now, schedule.catchup ? MAX_CATCHUP_TICKS : 1);
        if (!schedule.catchup) ticks = ticks.slice(-1);
        for (const tick of ticks) {
          await this.trigger(pipeline.pipelineId, pipeline.version, schedule, tick);
          this.published.set(pipeline.pipelineId, tick);
        }
      }
    } catch (error) {
      this.onError(error);
    } finally {
      this.running = false;
    }
  }

  private async trigger(pipelineId: string, version: number, schedule: ScheduleSpec, tick: number) {
    const idempotencyKey = cronIdempotencyKey(pipelineId, tick);
    const runId = runIdForTrigger({ pipelineId, idempotencyKey });
    const payload = encodeTriggerRun({
      runId,
      pipelineId,
      pipelineVersion: version,
      paramsJson: jsonToBytes(scheduledRunParams(schedule, tick)),
      idempotencyKey,
      actor: CRON_ACTOR,
      requestedAt: timestampFromEpochMs(Date.now()),
    });
    await publish(this.infra.js, this.infra.subjects.trigger(pipelineId), payload, {
      msgId: `trigger:${runId}`,
      headers: { [RUN_ID_HEADER]: runId },
    });
    this.onTick(`cron tick ${new Date(tick).toISOString()} of ${pipelineId} → run ${runId}`);
  }

  /** Latest version of each pipeline, when it has a schedule. */
  private async scheduledPipelines() {
    const rows = await latestPipelineSchedules(this.db);
    return rows
      .filter((r) => r.schedule !== null)
      .map((r) => ({
        pipelineId: r.pipeline_id,
        version: r.version,
        schedule: r.schedule!,
        createdAt: new Date(r.created_at).getTime(),
      }));
  }

  /** The latest tick that has a run (ISO keys sort by time). */
  private async lastTick(pipelineId: string): Promise<number | null> {
    const prefix = `cron:${pipelineId}:`;
    const key = await greatestIdempotencyKey(this.db, pipelineId, prefix);
    return key ? Date.parse(key.slice(prefix.length)) : null;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.running) await new Promise((r) => setTimeout(r, 10));
  }
}
