import { ChainChecker, type ChainBreak, type ChainedEvent } from './chain-checker.js';
import type { RunHead } from './checkpoint-format.js';
import { EXPORT_FORMAT, type ExportHeader } from './exported-event.js';

export interface ExportVerification {
  ok: boolean;
  runId: string | null;
  events: number;
  /** Hash of the last event that verified. */
  headHash: string;
  /** Every problem, each naming its line. */
  problems: string[];
  /** The first chain break, when there is one. */
  break: ChainBreak | null;
  /** Against a checkpoint: whether the run is covered, and its signed head matched. */
  checkpoint: { seq: number; covered: boolean; headMatches: boolean } | null;
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Verifies an NDJSON export offline: an optional header line, then one event per line in run_seq order,
 * chained from genesis (docs/audit.md). With a checkpoint's heads, the run's signed head must be one of
 * the lines. Reads lines as they come, so a large export is never held whole.
 */
export async function verifyExport(
  lines: AsyncIterable<string> | Iterable<string>,
  checkpoint?: { seq: number; heads: readonly RunHead[] },
): Promise<ExportVerification> {
  const checker = new ChainChecker();
  const problems: string[] = [];
  let header: ExportHeader | null = null;
  let runId: string | null = null;
  let events = 0;
  let lineNo = 0;
  let chainBreak: ChainBreak | null = null;
  const hashes = new Map<number, string>();
  const wanted = new Map<string, RunHead>((checkpoint?.heads ?? []).map((h) => [h.runId, h]));

  for await (const raw of lines) {
    lineNo += 1;
    const line = raw.trim();
    if (line === '') continue;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      problems.push(`line ${lineNo}: not JSON (${(error as Error).message})`);
      break;
    }
    if (value !== null && typeof value === 'object' && 'format' in value) {
      if (lineNo !== 1 || value.format !== EXPORT_FORMAT) {
        problems.push(`line ${lineNo}: a header must be the first line, with format ${EXPORT_FORMAT}`);
        break;
      }
      header = value as unknown as ExportHeader;
      continue;
    }
    const event = eventOf(value, (what) => problems.push(`line ${lineNo}: ${what}`));
    if (!event) break;
    runId ??= event.runId;
    const broken = chainBreak ? null : checker.add(event);
    if (broken) {
      chainBreak = broken;
      problems.push(`line ${lineNo}: ${broken.detail} (${broken.reason})`);
      break;
    }
    events += 1;
    if (wanted.get(event.runId)?.lastRunSeq === event.runSeq) hashes.set(event.runSeq, event.hash);
  }

  if (header && problems.length === 0) {
    if (header.runId !== runId)
      problems.push(`header: runId ${header.runId}, the events are of run ${runId}`);
    if (header.events !== events)
      problems.push(`header: says ${header.events} events, the file has ${events} (truncated?)`);
    else if (header.headHash !== checker.head.hash)
      problems.push('header: headHash is not the hash of the last event');
  }
  if (events === 0 && problems.length === 0) problems.push('no events in the file');

  let checkpointResult: ExportVerification['checkpoint'] = null;
  if (checkpoint && runId !== null) {
    const signed = wanted.get(runId);
    const headMatches = signed !== undefined && hashes.get(signed.lastRunSeq) === signed.headHash;
    checkpointResult = { seq: checkpoint.seq, covered: signed !== undefined, headMatches };
    if (signed && !headMatches && problems.length === 0)
      problems.push(
        signed.lastRunSeq > checker.head.runSeq
          ? `checkpoint ${checkpoint.seq} covers run_seq ${signed.lastRunSeq}, the file ends at ${checker.head.runSeq}`
          : `run_seq ${signed.lastRunSeq} is not the head checkpoint ${checkpoint.seq} signed: the chain was recomputed`,
      );
  }
  return {
    ok: problems.length === 0,
    runId,
    events,
    headHash: checker.head.hash,
    problems,
    break: chainBreak,
    checkpoint: checkpointResult,
  };
}

/** Parses one event line; reports the first field that is not what the format says. */
function eventOf(value: Record<string, unknown>, fail: (what: string) => void): ChainedEvent | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail('expected a JSON object');
    return null;
  }
  const str = (key: string) => typeof value[key] === 'string';
  const strOrNull = (key: string) => value[key] === null || typeof value[key] === 'string';
  const checks: [boolean, string][] = [
    [str('eventId'), 'eventId: expected a string'],
    [str('runId'), 'runId: expected a string'],
    [Number.isInteger(value.runSeq), 'runSeq: expected an integer'],
    [str('type'), 'type: expected a string'],
    [strOrNull('taskId'), 'taskId: expected a string or null'],
    [value.attempt === null || Number.isInteger(value.attempt), 'attempt: expected an integer or null'],
    ['payload' in value, 'payload: missing'],
    [strOrNull('actor'), 'actor: expected a string or null'],
    [strOrNull('traceId'), 'traceId: expected a string or null'],
    [
      str('occurredAt') && ISO_MS.test(value.occurredAt as string),
      'occurredAt: expected ISO-8601 UTC with milliseconds',
    ],
    [str('prevHash'), 'prevHash: expected a string'],
    [str('hash'), 'hash: expected a string'],
  ];
  const failed = checks.find(([ok]) => !ok);
  if (failed) {
    fail(failed[1]);
    return null;
  }
  return { ...(value as unknown as ChainedEvent), occurredAt: new Date(value.occurredAt as string) };
}
