import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

describe('the `tributary` command', () => {
  it('is a committed launcher (npm links bins at install time, before the build)', () => {
    const bin = JSON.parse(readFileSync(`${PACKAGE_DIR}package.json`, 'utf8')).bin.tributary as string;
    expect(bin).not.toMatch(/dist\//);
    expect(readFileSync(`${PACKAGE_DIR}${bin}`, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it('runs through the link npm made in node_modules/.bin, as `npx tributary` does', async () => {
    const { stdout } = await run(`${ROOT}node_modules/.bin/tributary`, ['--help'], { cwd: ROOT });
    expect(stdout).toMatch(/^Usage: tributary /);
    expect(stdout).toContain('runs');
  });
});
