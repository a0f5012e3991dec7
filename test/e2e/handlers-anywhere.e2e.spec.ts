import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '@tributary/domain';
import { TributarySystem } from '../support/tributary-system.js';

/**
 * Two groups; each greets (a JS module importing the SDK), then shouts (a TypeScript module); the
 * consolidation handler is given only through the same handler option and fails its first try.
 */
const PIPELINE = `
id: anywhere-e2e
params:
  type: object
  properties:
    names: { type: array, items: { type: string } }
stages:
  - group: person
    over: params.names
    stages:
      - id: greet
        executor: greet
        with: { who: "\${{ group.key }}" }
      - id: shout
        executor: shout
        with: { text: "\${{ upstream.greet.hello }}" }
consolidate:
  executor: gather-greetings
  retries: 1
  retryDelay: 100ms
`;

/** Handler modules in a fresh directory under the OS temp dir: no node_modules above them, no repository. */
function writeHandlerModules(): { dir: string; js: string; ts: string; consolidation: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-handlers-anywhere-'));
  const js = join(dir, 'greet.mjs');
  writeFileSync(
    js,
    `import { defineHandler, FatalError } from '@tributary/worker-sdk';
export const greet = defineHandler({
  name: 'greet',
  run: (ctx) => {
    if (typeof ctx.input.who !== 'string') throw new FatalError('who is missing');
    return { hello: 'hello ' + ctx.input.who, sdkFatalError: typeof FatalError };
  },
});
`,
  );
  const ts = join(dir, 'shout.ts');
  writeFileSync(
    ts,
    `import { defineHandler, type HandlerContext } from '@tributary/worker-sdk';

interface ShoutInput {
  text: string;
}

const loud = (text: string): string => text.toUpperCase() + '!';

export const shout = defineHandler<ShoutInput>({
  name: 'shout',
  run: (ctx: HandlerContext<ShoutInput>) => ({ shouted: loud(ctx.input.text), group: ctx.group?.key ?? null }),
});
`,
  );
  const consolidation = join(dir, 'gather.mjs');
  writeFileSync(
    consolidation,
    `import { defineHandler } from '@tributary/worker-sdk';
export const gatherGreetings = defineHandler({
  name: 'gather-greetings',
  run: (ctx) => {
    if (ctx.attempt === 1) throw new Error('first try of the consolidation fails');
    return {
      attempt: ctx.attempt,
      groups: Object.fromEntries(ctx.upstream.groups.map((g) => [g.path, g.state])),
    };
  },
});
`,
  );
  return { dir, js, ts, consolidation, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('handler modules anywhere on disk (JS and TypeScript) through the real services', () => {
  let system: TributarySystem;
  const modules = writeHandlerModules();

  beforeAll(async () => {
    system = await TributarySystem.start({
      // The executor host serves only the stage handlers; the consolidator gets the same handler list.
      executorHosts: [{ name: 'host', executors: ['greet', 'shout'] }],
      handlers: [modules.js, modules.ts, modules.consolidation],
    });
    await system.applyPipeline(PIPELINE);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    modules.remove();
  }, 60_000);

  it('a JS module importing @tributary/worker-sdk and a .ts module run in a spawned executor host; the consolidation handler from the same option runs in the consolidator and its failed first try is retried', async () => {
    const response = await system.api.post('/pipelines/anywhere-e2e/runs', { params: { names: ['ada', 'bo'] } });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    const view: RunView = await system.waitForRun(response.body.runId, 90_000);

    
    const greetAda = view.tasks.find((t) => t.group === 'person=ada' && t.stage.endsWith('greet'));
    expect(greetAda?.output ?? null, JSON.stringify(view.tasks)).toEqual({
      hello: 'hello ada',
      sdkFatalError: 'function',
    });
    const shoutBo = view.tasks.find((t) => t.group === 'person=bo' && t.stage.endsWith('shout'));
    expect(shoutBo?.output ?? null).toEqual({ shouted: 'HELLO BO!', group: 'bo' });

    const consolidate = view.tasks.find((t) => t.taskId === 'consolidate')!;
    expect(consolidate.state).toBe('success');
    expect(consolidate.output).toEqual({
      attempt: 2,
      groups: { 'person=ada': 'success', 'person=bo': 'success' },
    });
    expect(view.run.state).toBe('success');
  }, 120_000);
});
