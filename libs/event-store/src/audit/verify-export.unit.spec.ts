import { describe, expect, it } from 'vitest';
import { computeEventHash, GENESIS_HASH } from '../events/event-hash.js';
import { EXPORT_FORMAT, type ExportedEvent } from './exported-event.js';
import { verifyExport } from './verify-export.js';

function chain(n: number): ExportedEvent[] {
  const out: ExportedEvent[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const e = {
      seq: i,
      eventId: `00000000-0000-4000-8000-00000000000${i}`,
      runId: 'r1',
      runSeq: i,
      type: 'T',
      taskId: null,
      attempt: null,
      payload: { i },
      actor: null,
      traceId: null,
      occurredAt: new Date(1_700_000_000_000 + i).toISOString(),
    };
    const hash = computeEventHash(prev, { ...e, occurredAt: new Date(e.occurredAt) });
    out.push({ ...e, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

const header = (events: ExportedEvent[]) =>
  JSON.stringify({
    format: EXPORT_FORMAT,
    runId: 'r1',
    events: events.length,
    headHash: events.at(-1)!.hash,
    exportedAt: 'x',
  });

describe('verifyExport', () => {
  const events = chain(3);
  const lines = [header(events), ...events.map((e) => JSON.stringify(e))];

  it('accepts an intact export, with or without its header', async () => {
    expect((await verifyExport(lines)).ok).toBe(true);
    expect((await verifyExport(lines.slice(1))).ok).toBe(true);
  });

  it('names a removed line, a truncated file and a bad field', async () => {
    const gap = await verifyExport([lines[0]!, lines[1]!, lines[3]!]);
    expect(gap.problems).toEqual([expect.stringMatching(/^line 3: .*expected run_seq 2 \(run_seq_gap\)$/)]);
    const truncated = await verifyExport(lines.slice(0, 3));
    expect(truncated.problems).toEqual(['header: says 3 events, the file has 2 (truncated?)']);
    const badTime = await verifyExport([lines[1]!.replace(/\.001Z/, 'Z')]);
    expect(badTime.problems).toEqual(['line 1: occurredAt: expected ISO-8601 UTC with milliseconds']);
    expect((await verifyExport(['{oops'])).problems[0]).toMatch(/^line 1: not JSON/);
    expect((await verifyExport([])).problems).toEqual(['no events in the file']);
  });

  it('checks the signed head of a checkpoint: a rehashed chain is not the signed one', async () => {
    const signed = { seq: 4, heads: [{ runId: 'r1', lastRunSeq: 2, headHash: events[1]!.hash }] };
    expect((await verifyExport(lines, signed)).checkpoint).toEqual({
      seq: 4,
      covered: true,
      headMatches: true,
    });
    const other = { seq: 4, heads: [{ runId: 'r1', lastRunSeq: 2, headHash: 'f'.repeat(64) }] };
    const result = await verifyExport(lines, other);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      'run_seq 2 is not the head checkpoint 4 signed: the chain was recomputed',
    ]);
  });
});
