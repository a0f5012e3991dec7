/** A Postgres started by testcontainers for this process. */
export interface PostgresContainer {
  /** Admin URL (database `postgres`) of the container. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Image used when no Postgres answers; matches the production major version. */
export const POSTGRES_IMAGE = 'postgres:15-alpine';

/**
 * Starts `postgres:15-alpine` with trust auth. testcontainers is imported
 * dynamically so that machines without Docker never load it (v11 also pulls in
 * a large dependency tree that slows every test file down).
 */
export async function startPostgresContainer(): Promise<PostgresContainer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(POSTGRES_IMAGE)
    .withEnvironment({ POSTGRES_PASSWORD: 'postgres', POSTGRES_HOST_AUTH_METHOD: 'trust' })
    .withExposedPorts(5432)
    // The entrypoint starts Postgres twice (init, then for real): wait for the second "ready".
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  const url = `postgres://postgres:postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
  return {
    url,
    stop: async () => {
      await container.stop();
    },
  };
}
