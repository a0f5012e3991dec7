import type { TributaryConfig } from '@tributary/runtime';

/** The five services, in the order `tributary dev` starts them (the api last: it answering means all are up). */
export const SERVICE_NAMES = ['planner', 'fan-in', 'consolidator', 'executor', 'api'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/**
 * Where each service lives: its package and the start function it exports. The CLI never links against
 * service code (services depend on libs, never the reverse); like a process supervisor, it loads them by
 * name at run time.
 */
export const SERVICE_MODULES: Readonly<Record<ServiceName, { packageName: string; startExport: string }>> = {
  planner: { packageName: '@tributary/planner', startExport: 'startPlanner' },
  executor: { packageName: '@tributary/executor', startExport: 'startExecutor' },
  'fan-in': { packageName: '@tributary/fan-in', startExport: 'startFanIn' },
  consolidator: { packageName: '@tributary/consolidator', startExport: 'startConsolidator' },
  api: { packageName: '@tributary/api', startExport: 'startApi' },
};

export const isServiceName = (name: string): name is ServiceName =>
  (SERVICE_NAMES as readonly string[]).includes(name);

/** A started service as the CLI sees it. */
export interface StartedService {
  readonly name?: string;
  /** The api's base URL. */
  readonly url?: string;
  stop(): Promise<void>;
}

export type ServiceStarter = (
  config: TributaryConfig,
  options?: Record<string, unknown>,
) => Promise<StartedService>;

export type ModuleImporter = (specifier: string) => Promise<Record<string, unknown>>;

const nativeImport: ModuleImporter = (specifier) => import(specifier) as Promise<Record<string, unknown>>;

/** Loads a service's start function by package name; a clear error when it is not built or lacks the export. */
export async function loadServiceStarter(
  name: ServiceName,
  importModule: ModuleImporter = nativeImport,
): Promise<ServiceStarter> {
  const { packageName, startExport } = SERVICE_MODULES[name];
  let module: Record<string, unknown>;
  try {
    module = await importModule(packageName);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const hint =
      code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED'
        ? `; build it first: npx nx run ${name}:build (or npm run build)`
        : '';
    throw new Error(`cannot load ${packageName}: ${(error as Error).message}${hint}`, { cause: error });
  }
  const start = module[startExport];
  if (typeof start !== 'function') {
    const exported = Object.keys(module).filter((key) => key.startsWith('start'));
    throw new Error(
      `${packageName} does not export ${startExport}()` +
        (exported.length > 0
          ? ` (it exports ${exported.join(', ')})`
          : ' (is its package entry the service index, not main.js?)'),
    );
  }
  return start as ServiceStarter;
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once (130). */
export function nextStopSignal(onSecond: () => void = () => process.exit(130)): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.removeListener('SIGINT', handler);
      process.removeListener('SIGTERM', handler);
      process.once('SIGINT', onSecond);
      process.once('SIGTERM', onSecond);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** How long a stopped `dev`/`start` process may linger before it exits anyway. */
export const EXIT_GRACE_MS = 2_000;

/**
 * After `dev` or `start` stopped its services: exit with `code` once nothing is left to run — or after
 * `EXIT_GRACE_MS` even if something is (a handler that ignored its abort keeps a timer or a socket; it
 * would hold the process up for as long as it likes). The timer does not itself keep the process alive.
 */
export function exitWhenStopped(code: number, graceMs = EXIT_GRACE_MS): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), graceMs).unref();
}
