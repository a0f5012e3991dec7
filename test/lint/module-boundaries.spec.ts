import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** Lints `code` as if it lived at `filePath` and returns the rule ids that fired. */
async function violations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/${filePath}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('architecture rules (DESIGN §2) are enforced by lint', () => {
  it('libs/domain may not import IO', async () => {
    for (const [name, from] of [
      ['pg', 'pg'],
      ['readFile', 'node:fs/promises'],
      ['connect', '@nats-io/transport-node'],
      ['Injectable', '@nestjs/common'],
      ['createDb', '@tributary/event-store'],
    ]) {
      expect(
        await violations(
          'libs/domain/src/bad.ts',
          `import { ${name} } from '${from}';\nexport { ${name} };\n`,
        ),
      ).toEqual([expect.stringMatching(/^no-restricted-imports/)]);
    }
  });

  it('libs/domain may not read the clock, randomness or the environment', async () => {
    const found = await violations(
      'libs/domain/src/bad.ts',
      'export const a = Date.now();\nexport const b = new Date();\nexport const c = Math.random();\nexport const d = crypto.randomUUID();\nexport const e = process.env.X;\n',
    );
    expect(found.filter((v) => v.startsWith('no-restricted-syntax'))).toHaveLength(5);
  });

  it('a service may not import another service, by package or by path', async () => {
    expect(
      await violations(
        'services/api/src/bad.ts',
        "import { startPlanner } from '@tributary/planner';\nexport { startPlanner };\n",
      ),
    ).toEqual([expect.stringMatching(/Services are deployed alone/)]);
    expect(
      await violations(
        'services/api/src/bad.ts',
        "import { x } from '../../planner/src/planner.js';\nexport { x };\n",
      ),
    ).toEqual([expect.stringMatching(/no-restricted-imports/)]);
  });

  it('a lib may not import a service, and libs are imported through their index only', async () => {
    expect(
      await violations(
        'libs/cli/src/bad.ts',
        "import { startApi } from '@tributary/api';\nexport { startApi };\n",
      ),
    ).toEqual([expect.stringMatching(/Services are deployed alone/)]);
    expect(
      await violations(
        'services/planner/src/bad.ts',
        "import { x } from '@tributary/domain/src/run/run-decide.js';\nexport { x };\n",
      ),
    ).toEqual([expect.stringMatching(/through its package entry/)]);
  });

  it('allowed edges pass', async () => {
    expect(
      await violations(
        'services/planner/src/ok.ts',
        "import { decide } from '@tributary/domain';\nexport { decide };\n",
      ),
    ).toEqual([]);
    expect(
      await violations('libs/domain/src/ok.ts', "import { parse } from 'yaml';\nexport { parse };\n"),
    ).toEqual([]);
  });
});
