import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A user handler module on disk, as TRIBUTARY_HANDLERS names it: `gather` returns what a consolidation
 * receives — each group's path, state and outputs, plus its attempt and input — so tests can see it.
 */
export function writeGatherHandlerModule(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'consolidator-handlers-'));
  const path = join(dir, 'gather.mjs');
  writeFileSync(
    path,
    `export const gather = {
  name: 'gather',
  run: (ctx) => {
    ctx.log.info('gathering', { groups: ctx.upstream.groups.length });
    return {
      attempt: ctx.attempt,
      input: ctx.input,
      groups: ctx.upstream.groups.map((g) => ({ path: g.path, state: g.state, outputs: g.outputs })),
    };
  },
};
`,
  );
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
