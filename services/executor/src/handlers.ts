import { ConfigError } from '@tributary/runtime';
import { builtinHandlers, HandlerRegistry, loadHandlerModules } from '@tributary/worker-sdk';

/**
 * The handlers of a host: the built-ins, then every module of `specifiers` (paths relative to `cwd`,
 * absolute paths, `file:` URLs or package names). A module that fails to load, exports no handler or
 * reuses a taken name fails the start (HandlerRegistryError, naming the module).
 */
export async function loadHostHandlers(
  specifiers: readonly string[],
  cwd: string = process.cwd(),
): Promise<HandlerRegistry> {
  const registry = new HandlerRegistry().registerAll(builtinHandlers, 'builtin');
  return loadHandlerModules(specifiers, { cwd, registry });
}

/**
 * The executor names a host serves: `wanted` (deduplicated), or every registered handler. A name
 * without a handler is refused with the list of the names this host knows.
 */
export function resolveExecutorNames(
  registry: HandlerRegistry,
  wanted: readonly string[] | undefined,
): string[] {
  const names = wanted === undefined ? registry.names() : [...new Set(wanted)];
  if (names.length === 0) throw new ConfigError('no executor name to serve');
  const unknown = names.filter((name) => !registry.has(name));
  if (unknown.length > 0) {
    const known = registry
      .names()
      .map((name) => `${name} (${registry.sourceOf(name) ?? 'registered'})`)
      .join(', ');
    throw new ConfigError(
      `no handler for executor ${unknown.map((n) => `"${n}"`).join(', ')} on this host; ` +
        `known handlers: ${known}. Add the module that defines it to TRIBUTARY_HANDLERS ` +
        `(comma-separated paths or package names) or fix the name in --executors / TRIBUTARY_EXECUTORS`,
    );
  }
  return names;
}
