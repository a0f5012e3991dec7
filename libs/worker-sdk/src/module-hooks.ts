import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Resolve hook (runs on Node's loader thread): `@tributary/worker-sdk` imported by a handler module that
 * cannot resolve it itself (a file in /tmp or any directory outside a node_modules tree) gets the host's
 * copy. A module that has its own installed copy keeps it.
 */
const SDK_RESOLVE_HOOK = `
let sdkUrl;
export function initialize(data) { sdkUrl = data.sdkUrl; }
export async function resolve(specifier, context, nextResolve) {
  if (specifier !== '@tributary/worker-sdk') return nextResolve(specifier, context);
  try {
    return await nextResolve(specifier, context);
  } catch {
    return { url: sdkUrl, shortCircuit: true };
  }
}
`;

/**
 * Resolve hook registered after tsx's (so it sees tsx's answer): a .ts/.mts file is an ES module even
 * without `"type": "module"` in a package.json above it (a handler in /tmp has none), as `import` says.
 */
const TS_AS_ESM_HOOK = `
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (/^file:.*\\.m?ts$/i.test(resolved.url) && resolved.format !== 'module') {
    return { ...resolved, format: 'module' };
  }
  return resolved;
}
`;

let sdkHookRegistered = false;
let typeScriptRegistered = false;

/** The URL of this package's entry point as the host loaded it (dist, or src under the source condition). */
function hostSdkUrl(): string {
  const js = new URL('./index.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return js.href;
  return new URL('./index.ts', import.meta.url).href;
}

/** Makes `import '@tributary/worker-sdk'` work in handler modules anywhere on disk (once per process). */
export function registerSdkResolveHook(): void {
  if (sdkHookRegistered) return;
  sdkHookRegistered = true;
  register(`data:text/javascript,${encodeURIComponent(SDK_RESOLVE_HOOK)}`, {
    data: { sdkUrl: hostSdkUrl() },
  });
}

/** A TypeScript module (.ts, .mts, .cts): Node 20 cannot strip types, tsx's loader does it. */
export function isTypeScriptModule(specifier: string): boolean {
  return /\.[mc]?ts$/i.test(specifier) && !/\.d\.[mc]?ts$/i.test(specifier);
}

/** Registers tsx's ESM loader once, so `import()` of a .ts handler module compiles it on the fly. */
export async function registerTypeScriptLoader(): Promise<void> {
  if (typeScriptRegistered) return;
  typeScriptRegistered = true;
  const tsx = await import('tsx/esm/api');
  tsx.register();
  register(`data:text/javascript,${encodeURIComponent(TS_AS_ESM_HOOK)}`);
}
