import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinHandlers } from './builtins/builtin-handlers.js';
import { defineHandler, type HandlerDefinition } from './handler.js';
import { HandlerRegistryError } from './handler-registry.error.js';
import { HandlerRegistry, loadHandlerModules } from './handler-registry.js';

const named = (name: string): HandlerDefinition => defineHandler({ name, run: () => name });

describe('HandlerRegistry', () => {
  it('registers, gets and lists handlers', () => {
    const a = named('alpha');
    const registry = new HandlerRegistry([named('beta')]).register(a);
    expect(registry.get('alpha')).toBe(a);
    expect(registry.get('missing')).toBeUndefined();
    expect(registry.has('beta')).toBe(true);
    expect(registry.names()).toEqual(['alpha', 'beta']);
  });

  it('refuses a duplicate name, saying where both came from', () => {
    const registry = new HandlerRegistry().register(named('echo'), 'builtin');
    expect(() => registry.register(named('echo'), './my-handlers.mjs')).toThrow(HandlerRegistryError);
    expect(() => registry.register(named('echo'), './my-handlers.mjs')).toThrow(
      'duplicate handler name "echo" (from ./my-handlers.mjs): already registered (from builtin)',
    );
  });

  it('accepts the very same handler twice', () => {
    const a = named('alpha');
    expect(new HandlerRegistry([a, a]).names()).toEqual(['alpha']);
  });

  it('refuses invalid names and non-handlers', () => {
    const registry = new HandlerRegistry();
    expect(() => registry.register({ name: 'Bad Name', run: () => null })).toThrow(/must match/);
    expect(() => registry.register({ name: 'x' } as unknown as HandlerDefinition)).toThrow(/not a handler/);
  });

  it('holds every built-in', () => {
    expect(new HandlerRegistry(builtinHandlers).names()).toEqual([
      'echo',
      'fail',
      'flaky',
      'http',
      'list',
      'noop',
      'skip',
      'sleep',
    ]);
  });
});

describe('loadHandlerModules', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'worker-sdk-handlers-'));
    await writeFile(
      join(dir, 'named.mjs'),
      `export const upper = { name: 'upper', run: (ctx) => String(ctx.input).toUpperCase() };
       export const helper = 42;
       export function notAHandler() {}`,
    );
    await writeFile(
      join(dir, 'default-array.mjs'),
      `const a = { name: 'first', run: () => 1 };
       export const again = a;
       export default [a, { name: 'second', run: async () => 2 }];`,
    );
    await writeFile(join(dir, 'empty.mjs'), `export const answer = 42; export default { x: 1 };`);
    await writeFile(join(dir, 'broken.mjs'), `throw new Error('kaput at import');`);
    await writeFile(join(dir, 'bad-default.mjs'), `export default [{ name: 'ok', run() {} }, 'nope'];`);
    await writeFile(join(dir, 'clash.mjs'), `export const echo = { name: 'upper', run: () => null };`);
    const pkg = join(dir, 'node_modules', 'acme-handlers');
    await mkdir(pkg, { recursive: true });
    await writeFile(
      join(pkg, 'package.json'),
      JSON.stringify({ name: 'acme-handlers', type: 'module', exports: { '.': './index.js' } }),
    );
    await writeFile(
      join(pkg, 'index.js'),
      `export const acme = { name: 'acme', run: () => 'from a package' };`,
    );
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('registers the handler exports of a module given relative to cwd', async () => {
    const registry = await loadHandlerModules(['./named.mjs'], { cwd: dir });
    expect(registry.names()).toEqual(['upper']);
    expect(await registry.get('upper')?.run({ input: 'lu' } as never)).toBe('LU');
    expect(registry.sourceOf('upper')).toBe('./named.mjs');
  });

  it('takes a path typed without ./ as that file (as in --handlers examples/x/dist/handlers.js)', async () => {
    await mkdir(join(dir, 'lib'), { recursive: true });
    await writeFile(
      join(dir, 'lib', 'nested.mjs'),
      `export const nested = { name: 'nested', run: () => 'n' };`,
    );
    const registry = await loadHandlerModules(['lib/nested.mjs'], { cwd: dir });
    expect(registry.names()).toEqual(['nested']);
    // A bare name that is no file stays a package name.
    await expect(loadHandlerModules(['lib/missing.mjs'], { cwd: dir })).rejects.toThrow(
      /cannot load handler module "lib\/missing.mjs"/,
    );
  });

  it('registers a default export that is an array of handlers, once each', async () => {
    const registry = await loadHandlerModules([join(dir, 'default-array.mjs')]);
    expect(registry.names()).toEqual(['first', 'second']);
  });

  it('accepts file URLs and package names resolved from cwd', async () => {
    const registry = await loadHandlerModules([pathToFileURL(join(dir, 'named.mjs')).href, 'acme-handlers'], {
      cwd: dir,
    });
    expect(registry.names()).toEqual(['acme', 'upper']);
  });

  it('adds to a given registry and refuses clashes with what it holds', async () => {
    const registry = new HandlerRegistry(builtinHandlers);
    await loadHandlerModules(['./named.mjs'], { cwd: dir, registry });
    expect(registry.has('upper')).toBe(true);
    expect(registry.has('echo')).toBe(true);
    await expect(loadHandlerModules(['./clash.mjs'], { cwd: dir, registry })).rejects.toThrow(
      'duplicate handler name "upper" (from ./clash.mjs): already registered (from ./named.mjs)',
    );
  });

  it('names a module that exports no handlers', async () => {
    const error = await loadHandlerModules(['./empty.mjs'], { cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandlerRegistryError);
    expect((error as Error).message).toMatch(
      /^handler module "\.\/empty\.mjs" \(file:.*empty\.mjs\) exports no handlers/,
    );
    expect((error as Error).message).toContain('it exports answer, default');
  });

  it('names a module that fails to import, keeping the cause', async () => {
    const error = await loadHandlerModules(['./broken.mjs'], { cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandlerRegistryError);
    expect((error as Error).message).toContain('cannot load handler module "./broken.mjs"');
    expect((error as Error).message).toContain('kaput at import');
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('names a missing module', async () => {
    await expect(loadHandlerModules(['./nope.mjs'], { cwd: dir })).rejects.toThrow(
      /cannot load handler module "\.\/nope\.mjs"/,
    );
    await expect(loadHandlerModules(['no-such-package-xyz'], { cwd: dir })).rejects.toThrow(
      /cannot load handler module "no-such-package-xyz"/,
    );
  });

  it('names a default-export element that is not a handler', async () => {
    await expect(loadHandlerModules(['./bad-default.mjs'], { cwd: dir })).rejects.toThrow(
      'handler module "./bad-default.mjs": default export [1] is not a handler',
    );
  });
});
