import { existsSync } from 'node:fs';

/** Default socket of a local Docker engine. */
export const DOCKER_SOCKET = '/var/run/docker.sock';

/**
 * Whether a Docker engine looks reachable for testcontainers: `DOCKER_HOST` is
 * set, or the default socket exists. A cheap check, so that machines without
 * Docker never load testcontainers at all.
 */
export function isDockerAvailable(
  env: NodeJS.ProcessEnv = process.env,
  socketExists: (path: string) => boolean = existsSync,
): boolean {
  if (env['DOCKER_HOST'] !== undefined && env['DOCKER_HOST'] !== '') return true;
  return socketExists(DOCKER_SOCKET);
}
