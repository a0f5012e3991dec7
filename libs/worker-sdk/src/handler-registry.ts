import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HANDLER_NAME_PATTERN, isHandlerDefinition, type HandlerDefinition } from './handler.js';
import { HandlerRegistryError } from './handler-registry.error.js';
import { isTypeScriptModule, registerSdkResolveHook, registerTypeScriptLoader } from './module-hooks.js';

interface Entry {
  handler: HandlerDefinition<any>;
  source: string | undefined;
}

/** The handlers an executor host serves, by name; a name can be registered once. */
export class HandlerRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(handlers: Iterable<HandlerDefinition<any>> = []) {
    for (const handler of handlers) this.register(handler);
  }

  /**
   * Adds a handler. `source` (a module specifier, `builtin`…) only makes errors
   * say where each side of a duplicate came from. Registering the very same
   * object again is a no-op; another handler with a taken name is refused.
   */
  register(handler: HandlerDefinition<any>, source?: string): this {
    if (!isHandlerDefinition(handler)) {
      throw new HandlerRegistryError(
        `not a handler${from(source)}: expected { name: string, run: function }`,
      );
    }
    if (!HANDLER_NAME_PATTERN.test(handler.name)) {
      throw new HandlerRegistryError(
        `handler name "${handler.name}"${from(source)} must match ${HANDLER_NAME_PATTERN.source} (it becomes a NATS subject token)`,
      );
    }
    const existing = this.entries.get(handler.name);
    if (existing !== undefined) {
      if (existing.handler === handler) return this;
      throw new HandlerRegistryError(
        `duplicate handler name "${handler.name}"${from(source)}: already registered${from(existing.source)}`,
      );
    }
    this.entries.set(handler.name, { handler, source });
    return this;
  }

  /** Registers each handler in order (stops at the first refusal). */
  registerAll(handlers: Iterable<HandlerDefinition<any>>, source?: string): this {
    for (const handler of handlers) this.register(handler, source);
    return this;
  }

  /** The handler registered under `name`, or undefined. */
  get(name: string): HandlerDefinition<any> | undefined {
    return this.entries.get(name)?.handler;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Registered names, sorted (executor hosts subscribe one subject per name). */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** Where a handler came from (the module specifier given at registration), if known. */
  sourceOf(name: string): string | undefined {
    return this.entries.get(name)?.source;
  }
}

/** Options of loadHandlerModules. */
export interface LoadHandlerModulesOptions {
  /** Base for relative paths and for resolving package names. Default process.cwd(). */
  cwd?: string;
  /** Registry to add to (e.g. one holding the built-ins); default a new one. */
  registry?: HandlerRegistry;
}

/**
 * Imports user handler modules (`TRIBUTARY_HANDLERS`) and registers every export
 * that looks like a handler ({ name: string, run: function }), plus the elements
 * of a default export that is an array of them. Specifiers are paths (relative
 * to `cwd`, or absolute), `file:` URLs, or package names resolved from `cwd`. A module may import
 * `@tributary/worker-sdk` from any directory (the host's copy, when it has none of its own), and may be
 * TypeScript (.ts/.mts/.cts, compiled by tsx's loader).
 * Modules are loaded in order; a module that fails to import or exports no
 * handler is refused with an error naming it. A bare specifier that names an existing file relative
 * to `cwd` (`examples/x/dist/handlers.js`) is that file. Returns the registry.
 */
export async function loadHandlerModules(
  specifiers: readonly string[],
  opts: LoadHandlerModulesOptions = {},
): Promise<HandlerRegistry> {
  const cwd = opts.cwd ?? process.cwd();
  const registry = opts.registry ?? new HandlerRegistry();
  // Handler modules live anywhere (not only in this repository): they get the host's SDK, and .ts is compiled.
  if (specifiers.length > 0) registerSdkResolveHook();
  if (specifiers.some(isTypeScriptModule)) await registerTypeScriptLoader();
  for (const specifier of specifiers) {
    const url = resolveModule(specifier, cwd);
    let namespace: Record<string, unknown>;
    try {
      namespace = (await import(url)) as Record<string, unknown>;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new HandlerRegistryError(`cannot load handler module "${specifier}" (${url}): ${message}`, {
        cause: error,
      });
    }
    const handlers = handlersOf(namespace, specifier);
    if (handlers.length === 0) {
      const exported = Object.keys(namespace);
      throw new HandlerRegistryError(
        `handler module "${specifier}" (${url}) exports no handlers: expected exports made with defineHandler ` +
          `({ name: string, run: function }) or a default export that is an array of them; ` +
          `it exports ${exported.length > 0 ? exported.join(', ') : 'nothing'}`,
      );
    }
    registry.registerAll(handlers, specifier);
  }
  return registry;
}

function handlersOf(namespace: Record<string, unknown>, specifier: string): HandlerDefinition<any>[] {
  const found: HandlerDefinition<any>[] = [];
  for (const [key, value] of Object.entries(namespace)) {
    if (isHandlerDefinition(value)) {
      found.push(value);
    } else if (key === 'default' && Array.isArray(value)) {
      value.forEach((element: unknown, index) => {
        if (!isHandlerDefinition(element)) {
          throw new HandlerRegistryError(
            `handler module "${specifier}": default export [${index}] is not a handler ({ name: string, run: function })`,
          );
        }
        found.push(element);
      });
    } else if (key === 'default' && typeof value === 'object' && value !== null) {
      // A CommonJS module's default is its module.exports object: take the handlers in it.
      found.push(...Object.values(value).filter(isHandlerDefinition));
    }
  }
  return [...new Set(found)];
}

/** A specifier as something `import()` takes: file URL for paths, the resolved file for packages. */
function resolveModule(specifier: string, cwd: string): string {
  if (specifier.startsWith('file:') || specifier.startsWith('node:')) return specifier;
  if (isPath(specifier))
    return pathToFileURL(isAbsolute(specifier) ? specifier : resolve(cwd, specifier)).href;
  // A file path typed without `./` (`--handlers examples/x/dist/handlers.js`): the file, when it exists.
  const asFile = resolve(cwd, specifier);
  if (existsSync(asFile) && statSync(asFile).isFile()) return pathToFileURL(asFile).href;
  try {
    // Bare names resolve from the caller's cwd (the app's node_modules), not from this library's location.
    return pathToFileURL(createRequire(join(cwd, 'package.json')).resolve(specifier)).href;
  } catch {
    return specifier; // ESM-only packages without a "require"/"default" export condition: let import() resolve
  }
}

function isPath(specifier: string): boolean {
  return (
    specifier.startsWith('./') ||
    specifier.startsWith('../') ||
    specifier === '.' ||
    specifier === '..' ||
    isAbsolute(specifier) ||
    specifier.startsWith('.\\') ||
    specifier.startsWith('..\\')
  );
}

function from(source: string | undefined): string {
  return source === undefined ? '' : ` (from ${source})`;
}
