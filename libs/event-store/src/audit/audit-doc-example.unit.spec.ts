import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../events/canonical-json.js';
import { computeEventHash, GENESIS_HASH } from '../events/event-hash.js';
import type { ExportedEvent } from './exported-event.js';
import { verifyExport } from './verify-export.js';

/** docs/audit.md's worked example must be real: these tests recompute it from the document itself. */
const DOC = readFileSync(new URL('../../../../docs/audit.md', import.meta.url), 'utf8');

function block(name: string): string {
  const match = new RegExp(
    `<!-- ${name}:start -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\`\\n<!-- ${name}:end -->`,
  ).exec(DOC);
  if (!match) throw new Error(`docs/audit.md has no ${name} block`);
  return match[1]!;
}

const lines = block('example-export').split('\n');
const events = lines.slice(1).map((line) => JSON.parse(line) as ExportedEvent);

describe('docs/audit.md worked example', () => {
  it('documents the exact canonical text of the first event', () => {
    const e = events[0]!;
    const body = canonicalJson({
      actor: e.actor,
      attempt: e.attempt,
      event_id: e.eventId,
      occurred_at: e.occurredAt,
      payload: e.payload,
      run_id: e.runId,
      run_seq: e.runSeq,
      task_id: e.taskId,
      trace_id: e.traceId,
      type: e.type,
    });
    expect(block('example-canonical')).toBe(body);
    expect(
      createHash('sha256')
        .update(GENESIS_HASH + body)
        .digest('hex'),
    ).toBe(e.hash);
  });

  it('has hashes that computeEventHash gives, and names them in the text', () => {
    let prev = GENESIS_HASH;
    for (const e of events) {
      expect(e.prevHash).toBe(prev);
      expect(computeEventHash(prev, { ...e, occurredAt: new Date(e.occurredAt) })).toBe(e.hash);
      prev = e.hash;
    }
    expect(DOC).toContain(`\`${events[0]!.hash}\`, the first event's \`hash\``);
    expect(DOC).toContain(`chain ok, head ${events[1]!.hash}`);
  });

  it('verifies as an export file, and fails once a value is changed', async () => {
    expect(await verifyExport(lines)).toMatchObject({
      ok: true,
      runId: 'run-7',
      events: 2,
      headHash: events[1]!.hash,
    });
    const edited = lines.map((line) => line.replace('"rows":12', '"rows":13'));
    const result = await verifyExport(edited);
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatch(
      /^line 3: run run-7, run_seq 2 \(event 9d7e5b40-[0-9a-f-]+\): content does not match its hash \(hash_mismatch\)$/,
    );
  });
});
