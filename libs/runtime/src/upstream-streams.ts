import { JetStreamApiError, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { UpstreamTriggerSpec } from '@tributary/domain';
import { upstreamStreamName } from '@tributary/events';
import { mergeStreamSubjects, subjectsOverlap } from './upstream-subjects.js';

/** How long `<PREFIX>_UPSTREAM` keeps upstream events. */
export const UPSTREAM_STREAM_MAX_AGE_MS = 7 * 24 * 3_600_000;

/**
 * Why an upstream subject cannot be consumed under `prefix`, or null: a subject that overlaps
 * Tributary's own (`<prefix>.>`) would feed its messages back to itself and overlap its streams.
 */
export function upstreamSubjectProblem(prefix: string, subject: string): string | null {
  return subjectsOverlap(subject, `${prefix}.>`)
    ? `subject "${subject}" overlaps Tributary's own subjects (${prefix}.>): use a subject outside that prefix`
    : null;
}

/**
 * The stream an `on:` entry reads: the one it names; else a stream that already captures its subject
 * (NATS refuses a second stream over the same subjects); else `<PREFIX>_UPSTREAM`. Throws for a subject
 * inside Tributary's own prefix.
 */
export async function upstreamStreamFor(
  jsm: JetStreamManager,
  prefix: string,
  spec: UpstreamTriggerSpec,
): Promise<string> {
  const problem = upstreamSubjectProblem(prefix, spec.subject);
  if (problem !== null) throw new Error(problem);
  if (spec.stream !== null) return spec.stream;
  const managed = upstreamStreamName(prefix);
  const existing = await jsm.streams.find(spec.subject).catch(() => null);
  return existing && existing !== managed ? existing : managed;
}

/**
 * Creates `<PREFIX>_UPSTREAM` over `subjects`, or adds those it lacks (never removes one: a replica or
 * an api may have added it for a pipeline this caller has not seen yet). Returns what changed, or null.
 */
export async function ensureUpstreamStream(
  jsm: JetStreamManager,
  prefix: string,
  subjects: readonly string[],
): Promise<{ name: string; subjects: string[] } | null> {
  if (subjects.length === 0) return null;
  const name = upstreamStreamName(prefix);
  const info = await jsm.streams.info(name).catch((e: unknown) => {
    if (e instanceof JetStreamApiError && e.code === 10059) return null;
    throw e;
  });
  if (info === null) {
    const created = mergeStreamSubjects([], subjects) ?? [];
    await jsm.streams.add({
      name,
      subjects: created,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(UPSTREAM_STREAM_MAX_AGE_MS),
      duplicate_window: nanos(120_000),
      description: 'Tributary: upstream events of pipelines whose on: names no stream',
    });
    return { name, subjects: created };
  }
  const merged = mergeStreamSubjects(info.config.subjects ?? [], subjects);
  if (merged === null) return null;
  await jsm.streams.update(name, { ...info.config, subjects: merged });
  return { name, subjects: merged };
}

/**
 * Makes sure the subjects of `specs` are captured from now on (for the api at apply time, so events
 * published once `pipelines apply` returned are kept for the planner's consumers). Returns each entry's
 * stream, in order.
 */
export async function captureUpstreamSubjects(
  jsm: JetStreamManager,
  prefix: string,
  specs: readonly UpstreamTriggerSpec[],
): Promise<string[]> {
  const streams: string[] = [];
  for (const spec of specs) streams.push(await upstreamStreamFor(jsm, prefix, spec));
  const managed = upstreamStreamName(prefix);
  await ensureUpstreamStream(
    jsm,
    prefix,
    specs.filter((_, i) => streams[i] === managed).map((s) => s.subject),
  );
  return streams;
}
